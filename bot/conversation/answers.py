"""Answers from the knowledge base: an article with "was this helpful?", the opinion given, and what is
said when the engine has no answer (did you mean, out of scope, not our language)."""

from __future__ import annotations

from bot.answering.engine import Analysis
from bot.conversation.texts import Texts
from bot.core.callbacks import OpenArticle, RateAnswer, StartFlow, button
from bot.core.ports import QuestionLog
from bot.core.types import Button, Reply
from bot.flows.base import START_LABELS, Context
from bot.knowledge.base import KnowledgeBase, fill

MAX_ANSWER_ROWS = 4  # offers and related articles under an answer: more is clutter on a phone
# What an article's ``offer`` names, and the flow its button starts.
OFFERS = {"setup": "setup", "activation": "imap", "handoff": "human"}


class Answers:
    def __init__(self, kb: KnowledgeBase, texts: Texts, log: QuestionLog, support_email: str):
        self.kb, self.texts, self.log, self.support_email = kb, texts, log, support_email

    def article(self, ctx: Context, article_id: str, question: str | None,
                suggestions: tuple[str, ...] = ()) -> list[Reply]:
        _, lang, session = ctx.gettext, ctx.lang, ctx.session
        article = self.kb.articles[article_id]
        rows: list[tuple[Button, ...]] = []
        offers = tuple(button(_(START_LABELS[OFFERS[o]]), StartFlow(OFFERS[o])) for o in article.offer)
        if offers:
            rows.append(offers)
        for related in dict.fromkeys((*article.related, *suggestions)):
            if related != article_id and related in self.kb.articles:
                rows.append((button(self.kb.articles[related].title[lang], OpenArticle(related)),))
        session.last_article, session.last_question, session.rated = article_id, question, False
        session.fallbacks_in_row = 0
        # One message: the answer, "was this helpful?" and its buttons under the related ones.
        feedback = (button(_("👍 Yes"), RateAnswer(True, article_id)),
                    button(_("👎 No"), RateAnswer(False, article_id)))
        text = fill(article.answer[lang], self._placeholders(ctx)) + "\n\n" + _("Was this helpful?")
        return [Reply(text, title=article.title[lang], buttons=(*rows[:MAX_ANSWER_ROWS], feedback))]

    def _placeholders(self, ctx: Context) -> dict[str, str]:
        email = ctx.session.email
        _ = ctx.gettext
        domain = email.rsplit("@", 1)[1] if email else _("yourdomain.com")
        values = self.kb.servers.values(domain=domain, email=email or "")
        values["support_email"] = self.support_email
        return values

    def feedback(self, ctx: Context, rating: RateAnswer) -> list[Reply]:
        _, session = ctx.gettext, ctx.session
        if session.rated or rating.article != session.last_article:
            return [Reply(_("Thanks, I have already noted your opinion on that answer."))]
        session.rated = True
        self.log.record_feedback(ctx.key, ctx.lang, rating.article, session.last_question, rating.helpful)
        if rating.helpful:
            session.dislikes_in_row = 0
            return [Reply(_("Great, glad it helped! Anything else?"))]
        session.dislikes_in_row += 1
        if session.last_question:
            self.log.record_unanswered(ctx.lang, session.last_question, "disliked")
        text = _("Sorry that didn't help. Try asking in other words, or talk to a person on our team.")
        if session.dislikes_in_row >= 2:
            text = _("Sorry, I'm not getting it right. A person on our team can help you better.")
        return [Reply(text, buttons=((self.texts.person_button(ctx.lang),), (self.texts.menu_button(ctx.lang),)))]

    def fallback(self, ctx: Context, analysis: Analysis, text: str) -> list[Reply]:
        lang, session = ctx.lang, ctx.session
        if analysis.reason == "empty":
            return [self.texts.empty(lang)]
        session.fallbacks_in_row += 1
        self.log.record_unanswered(lang, text, analysis.reason or "unsure")
        if analysis.reason == "foreign":
            return [self.texts.foreign(lang)]
        if analysis.suggestions and analysis.reason == "unsure":
            return [self.texts.did_you_mean(lang, analysis.suggestions)]
        return [self.texts.out_of_scope(lang, offer_person=session.fallbacks_in_row >= 2)]
