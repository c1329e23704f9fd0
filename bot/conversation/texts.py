"""The replies the conversation itself says (menu, help, language, small talk, fallbacks, and what the
channels say on its behalf), in one place. Flows keep their own texts in their modules.

Every text goes through the catalogues (``locales/``): the English here is the message id.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.callbacks import ChooseLanguage, OpenArticle, ShowMenu, StartFlow, button
from bot.core.ports import HANDOFF
from bot.core.types import Button, Reply
from bot.desk.rules import TEAM_LANGUAGE
from bot.flows.base import START_LABELS, Gettext
from bot.i18n import N_
from bot.knowledge.base import KnowledgeBase

Rows = tuple[tuple[Button, ...], ...]

# Said in both languages at once, to a customer writing in neither.
ONLY_OUR_LANGUAGES = N_("Sorry, I can only write in Italian and English.")
# The menu's flows, in order, under the question about the protocols.
MENU_FLOWS = ("setup", "imap", "human")


class Texts:
    def __init__(self, kb: KnowledgeBase, gettext: Callable[[str], Gettext], support_email: str):
        self.kb = kb
        self._gettext = gettext  # (lang) -> Gettext
        self.support_email = support_email

    def gettext(self, lang: str) -> Gettext:
        return self._gettext(lang)

    # buttons
    def menu(self, lang: str) -> Rows:
        _ = self.gettext(lang)
        return (
            (button(_("📨 POP3 or IMAP?"), OpenArticle("pop3-vs-imap")),),
            *((button(_(START_LABELS[flow]), StartFlow(flow)),) for flow in MENU_FLOWS),
            tuple(self.language_button(code) for code in self.kb.languages if code != lang),
        )

    def language_button(self, code: str) -> Button:
        language = self.kb.language_data.get(code)
        return button(language.name if language else code, ChooseLanguage(code))

    def menu_button(self, lang: str) -> Button:
        _ = self.gettext(lang)
        return button(_("🏠 Menu"), ShowMenu())

    def person_button(self, lang: str) -> Button:
        _ = self.gettext(lang)
        return button(_(START_LABELS["human"]), StartFlow("human"))

    # the menu and the commands
    def welcome(self, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(
            _(
                "Hi! I'm the mail assistant. I can explain POP3 and IMAP, help you set up your mailbox on "
                "your computer or phone, and pass your request to activate IMAP to our support team.\n\n"
                "Ask me anything in your own words, or pick one of these:"
            ),
            buttons=self.menu(lang),
        )

    def help(self, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(
            _(
                "Write your question in your own words, for example \"what is the difference between POP3 "
                "and IMAP?\" or \"how do I set up my mail on the iPhone?\".\n\n"
                "Commands:\n/start the main menu\n/setup set up your mail\n/imap activate IMAP\n"
                "/human talk to a person\n/language change language\n/cancel stop what we are doing"
            ),
            buttons=self.menu(lang),
        )

    def language_choice(self, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(_("Which language do you prefer?"),
                     buttons=(tuple(self.language_button(code) for code in self.kb.languages),))

    def language_set(self, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(_("Done: I'll write to you in English."), buttons=self.menu(lang))

    def cancelled(self, lang: str, had_flow: bool) -> Reply:
        _ = self.gettext(lang)
        if had_flow:
            text = _("Cancelled. What would you like to do now?")
        else:
            text = _("There was nothing to cancel. What would you like to do?")
        return Reply(text, buttons=self.menu(lang))

    def unknown_command(self, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(_("I don't know that command. Here is what I can do:"), buttons=self.menu(lang))

    def stale_button(self, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(_("That button is no longer active. Here is the menu:"), buttons=self.menu(lang))

    def unreadable(self, lang: str, media: str) -> Reply:
        _ = self.gettext(lang)
        if media == "edited":
            return Reply(_("I only read new messages: please send your correction as a new message."))
        return Reply(_("I can only read text. Write your question in words, or pick one of these:"),
                     buttons=self.menu(lang))

    def imap_by_mail(self, lang: str, emails: list[str]) -> Reply:
        """Outside a conversation (``mailbot ask``) there is no form to fill: how activation works."""
        _ = self.gettext(lang)
        mailboxes = ", ".join(emails) if emails else _("your mailbox address")
        text = _(
            "IMAP is an add-on that our support team switches on for you. Write to {support_email} asking "
            "them to activate IMAP for {mailboxes}, with your name or company. They will tell you when it "
            "is on; until then your mailbox keeps working with POP3."
        ).format(support_email=self.support_email, mailboxes=mailboxes)
        return Reply(text, title=_("Activate IMAP"))

    # small talk and fallbacks
    def smalltalk(self, lang: str, kind: str | None) -> Reply:
        _ = self.gettext(lang)
        if kind == "thanks":
            return Reply(_("You're welcome! If you need anything else about your mail, just ask."))
        if kind == "goodbye":
            return Reply(_("Bye! Write to me whenever you need help with your mail."))
        if kind == "identity":
            return Reply(
                _(
                    "I'm the mail assistant of our support team: an automatic program, not a person. I can "
                    "explain POP3 and IMAP, help you set up your mailbox and pass requests to our team."
                ),
                buttons=self.menu(lang),
            )
        if kind == "ack":
            # "ok", "avanti", "and now?" with no guide or form running: nothing to go on with.
            return Reply(_("Tell me what you need: write your question, or pick one of these:"),
                         buttons=self.menu(lang))
        return self.welcome(lang)

    def empty(self, lang: str) -> Reply:
        _ = self.gettext(lang)
        return Reply(_("Write your question in a few words, or pick one of these:"), buttons=self.menu(lang))

    def foreign(self, lang: str) -> Reply:
        return Reply("\n".join(self.gettext(code)(ONLY_OUR_LANGUAGES) for code in self.kb.languages),
                     buttons=self.menu(lang))

    def did_you_mean(self, lang: str, articles: tuple[str, ...]) -> Reply:
        _ = self.gettext(lang)
        rows = tuple((button(self.kb.articles[a].title[lang], OpenArticle(a)),) for a in articles)
        return Reply(_("I'm not sure I understood. Did you mean one of these?"),
                     buttons=(*rows, (self.person_button(lang),)))

    def out_of_scope(self, lang: str, offer_person: bool) -> Reply:
        _ = self.gettext(lang)
        text = _(
            "That's not something I can help with here: I answer questions about your mailbox (POP3 and IMAP, "
            "setting up your programs and phone, sending and receiving, spam and security). For invoices, "
            "payments, domains, websites, hosting plans or PEC, write to our support team at {support_email}, "
            "or talk to a person with the button below."
        ).format(support_email=self.support_email)
        if offer_person:
            text += "\n\n" + _("Shall I put you in touch with a person?")
        return Reply(text, buttons=((self.person_button(lang),), (self.menu_button(lang),)))

    # said by the channels
    def apology(self, lang: str) -> Reply:
        """What a customer is told when handling their message failed."""
        _ = self.gettext(lang)
        return Reply(_("Sorry, something went wrong on my side. Please try again in a moment."))

    def slow_down(self, lang: str) -> Reply:
        """What a customer sending a storm of messages is told, once, before the rest is ignored."""
        _ = self.gettext(lang)
        return Reply(_(
            "You're writing faster than I can read! Please wait a minute, then send your question again."))

    def request_delivered(self, lang: str, reference: str, kind: str) -> Reply:
        """What a customer is told when their request has reached the support mailbox."""
        _ = self.gettext(lang)
        if kind == HANDOFF:
            return Reply(_("Our conversation ({reference}) has reached our support team.").format(reference=reference))
        return Reply(_("Your request {reference} has reached our support team. They will let you know when "
                       "IMAP is active.").format(reference=reference))

    def request_trouble(self, reference: str, mailboxes: str, error: str, kind: str = "") -> str:
        """The support group's alert for a request that cannot be delivered (in the team's language)."""
        _ = self.gettext(TEAM_LANGUAGE)
        if kind == HANDOFF:
            return _("⚠️ The conversation {reference}, of a customer who asked for a person, has not reached "
                     "{support_email}: {error}. It stays in the outbox; after fixing the mail settings: mailbot outbox "
                     "retry {reference}").format(reference=reference, support_email=self.support_email, error=error)
        return _("⚠️ The IMAP request {reference} ({mailboxes}) has not reached {support_email}: {error}. "
                 "It stays in the outbox; after fixing the mail settings: mailbot outbox retry {reference}").format(
            reference=reference, mailboxes=mailboxes, support_email=self.support_email, error=error)
