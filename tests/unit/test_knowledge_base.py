"""The knowledge base as shipped, and what ``kb check`` says about broken ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge.base import REQUIRED_ARTICLES, REQUIRED_CLIENTS
from bot.knowledge.loader import load_knowledge
from bot.paths import resource_dir


def test_shipped_knowledge_base_has_no_problems():
    _, problems = load_knowledge(resource_dir("knowledge"), strict=False)
    assert [str(p) for p in problems] == []


def test_every_contract_article_and_client_exists_in_both_languages(kb):
    for article_id in REQUIRED_ARTICLES:
        article = kb.articles[article_id]
        for lang in ("it", "en"):
            assert article.title[lang] and article.answer[lang]
            assert len(article.questions[lang]) >= 10
    assert set(REQUIRED_CLIENTS) <= set(kb.clients)


def test_answers_mentioning_imap_activation_offer_it(kb):
    article = kb.articles["imap-activation"]
    assert "activation" in article.offer
    assert "{support_email}" in article.answer["it"] and "{support_email}" in article.answer["en"]


@pytest.fixture
def broken_kb(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(resource_dir("knowledge"), root)
    return root


def problems_of(root: Path) -> list[str]:
    _, problems = load_knowledge(root, strict=False)
    return [str(p) for p in problems]


def test_invalid_yaml_names_the_file_and_line(broken_kb):
    (broken_kb / "articles" / "smtp.yaml").write_text("id: smtp\ntitle: [unclosed\n", encoding="utf-8")
    problems = problems_of(broken_kb)
    assert any(p.startswith("knowledge/articles/smtp.yaml: line") and "not valid YAML" in p for p in problems)


def test_missing_translation_names_article_and_language(broken_kb):
    path = broken_kb / "articles" / "smtp.yaml"
    text = path.read_text(encoding="utf-8")
    import yaml

    data = yaml.safe_load(text)
    del data["answer"]["en"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert "knowledge/articles/smtp.yaml: article smtp answer: the English text (en) is missing or empty" in problems_of(broken_kb)


def test_unknown_placeholder_and_broken_link_are_reported(broken_kb):
    import yaml

    path = broken_kb / "articles" / "smtp.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["answer"]["it"] += " {smtp_server}"
    data["related"] = ["no-such-article"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = problems_of(broken_kb)
    assert any("article smtp answer (it): unknown placeholder {smtp_server}" in p for p in problems)
    assert any("article smtp related: links to 'no-such-article', which does not exist" in p for p in problems)
    assert any("different placeholders" in p for p in problems)


def test_duplicate_and_mismatched_ids(broken_kb):
    shutil.copy(broken_kb / "articles" / "smtp.yaml", broken_kb / "articles" / "smtp-copy.yaml")
    assert any("smtp-copy.yaml: article smtp: id must be 'smtp-copy'" in p for p in problems_of(broken_kb))


def test_missing_contract_article_is_reported(broken_kb):
    (broken_kb / "articles" / "webmail.yaml").unlink()
    (broken_kb / "articles" / "offline-access.yaml").unlink()
    problems = problems_of(broken_kb)
    assert any("offline-access" in p and "required" in p for p in problems)


def test_bad_server_settings_are_reported(broken_kb):
    path = broken_kb / "servers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("port: 993", "port: 99999"), encoding="utf-8")
    assert any("servers.yaml: incoming imap port: must be a port number" in p for p in problems_of(broken_kb))


def test_a_word_in_two_synonym_groups_is_reported(broken_kb):
    path = broken_kb / "synonyms.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "extra: [posta]\n", encoding="utf-8")
    assert any("'posta' is also in 'mail'" in p for p in problems_of(broken_kb))


def test_a_guide_step_missing_a_language_or_with_an_unknown_placeholder_is_reported(broken_kb):
    import yaml

    path = broken_kb / "guides" / "thunderbird.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["steps"]["pop3"][1]["it"]
    data["steps"]["imap"][0]["en"] += " {password}"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = problems_of(broken_kb)
    assert "knowledge/guides/thunderbird.yaml: guide thunderbird pop3 step 2: the Italian text (it) is missing or empty" in problems
    assert any("guide thunderbird imap step 1 (en): unknown placeholder {password}" in p for p in problems)


def test_a_client_without_a_guide_is_reported(broken_kb):
    (broken_kb / "guides" / "samsung-email.yaml").unlink()
    assert any("guide samsung-email: is missing" in p for p in problems_of(broken_kb))


def test_language_files_intent_sections_and_triage_offer_are_checked(broken_kb):
    (broken_kb / "languages" / "en.yaml").write_text("name: English\nfunction_words: the\n", encoding="utf-8")
    intents = broken_kb / "intents.yaml"
    text = intents.read_text(encoding="utf-8")
    text = text.replace("  offer: [cannot-receive,", "  offer: [no-such-article, cannot-receive,", 1)
    intents.write_text(text.replace("\n  ack:\n", "\n  nod:\n", 1), encoding="utf-8")
    synonyms = broken_kb / "synonyms.yaml"
    synonyms.write_text(synonyms.read_text(encoding="utf-8") + "Bad Name: [pigeon]\n", encoding="utf-8")
    _, problems = load_knowledge(broken_kb, strict=False)
    problems = [str(p) for p in problems]
    assert "knowledge/languages/en.yaml: function_words: must be a list of words" in problems
    assert "knowledge/intents.yaml: triage offer: 'no-such-article' is not an article" in problems
    assert any("smalltalk nod: unknown kind" in p for p in problems)
    assert any("smalltalk ack:" in p for p in problems)  # the kind the code relies on is missing
    assert "knowledge/synonyms.yaml: Bad Name: a concept's name is lower-case letters, digits and _" in problems


def test_a_line_naming_what_the_provider_does_not_offer_is_left_out():
    from bot.knowledge.base import fill

    text = "Apri il programma.\n\nOppure usa la webmail: {webmail}\nCambia la password da {control_panel}.\n\nFine."
    assert fill(text, {"webmail": "", "control_panel": ""}) == "Apri il programma.\n\nFine."
    assert "https://webmail.rossi.it" in fill(text, {"webmail": "https://webmail.rossi.it", "control_panel": "https://p.it"})


def test_the_providers_webmail_and_panel_are_checked(broken_kb):
    servers = broken_kb / "servers.yaml"
    servers.write_text(servers.read_text(encoding="utf-8").replace('webmail: ""', 'webmail: "webmail.{domain}"'), encoding="utf-8")
    _, problems = load_knowledge(broken_kb, strict=False)
    assert "knowledge/servers.yaml: webmail: must be a web address (https://...) or empty" in [str(p) for p in problems]


def test_a_line_can_be_shown_only_when_the_provider_offers_webmail():
    from bot.knowledge.base import fill

    text = "{if_webmail}Computer, telefono e webmail.\n{no_webmail}Computer e telefono."
    assert fill(text, {"webmail": "", "control_panel": ""}) == "Computer e telefono."
    assert fill(text, {"webmail": "https://w.it", "control_panel": ""}) == "Computer, telefono e webmail."


def test_a_line_naming_a_provider_fact_is_shown_only_when_the_fact_is_set():
    from bot.knowledge.base import fill

    text = ("Intro.\nIl limite è di {attachment_max_mb} MB.\n{no_attachment_max_mb}Chiedi il limite al supporto.\n"
            "{if_spam_filter}Il filtro antispam è attivo.\n{no_spam_filter}Non c'è filtro.")
    unset = fill(text, {})
    assert "MB" not in unset and "filtro antispam" not in unset
    assert "Chiedi il limite" in unset and "Non c'è filtro" in unset
    shown = fill(text, {"attachment_max_mb": "25", "spam_filter": "yes"})
    assert "Il limite è di 25 MB." in shown and "Il filtro antispam è attivo." in shown
    assert "Chiedi il limite" not in shown and "Non c'è filtro" not in shown and "{" not in shown


def test_several_marks_on_one_line_must_all_hold():
    from bot.knowledge.base import fill

    text = "{if_forwarding}{if_control_panel}Imposta l'inoltro da {control_panel}.\nFine."
    assert fill(text, {"forwarding": "yes"}) == "Fine."
    assert "https://p.it" in fill(text, {"forwarding": "yes", "control_panel": "https://p.it"})


def test_provider_facts_are_read_from_servers_yaml_and_unset_by_default(kb, broken_kb):
    assert kb.servers.facts == {}  # shipped: nothing is claimed until the provider says so
    servers = broken_kb / "servers.yaml"
    text = servers.read_text(encoding="utf-8")
    text = text.replace("  attachment_max_mb:  ", "  attachment_max_mb: 25").replace("  spam_filter:  ", "  spam_filter: true")
    text = text.replace('dmarc_record: ""', 'dmarc_record: "_dmarc.{domain} TXT v=DMARC1; p=none"')
    servers.write_text(text, encoding="utf-8")
    loaded, problems = load_knowledge(broken_kb, strict=False)
    assert problems == []
    assert loaded.servers.facts == {"attachment_max_mb": "25", "spam_filter": "yes", "dmarc_record": "_dmarc.{domain} TXT v=DMARC1; p=none"}
    values = loaded.servers.values(domain="rossi.it", email="a@rossi.it")
    assert values["dmarc_record"] == "_dmarc.rossi.it TXT v=DMARC1; p=none" and values["sending_limit_per_day"] == ""


def test_bad_provider_facts_are_reported(broken_kb):
    servers = broken_kb / "servers.yaml"
    text = servers.read_text(encoding="utf-8")
    text = text.replace("  attachment_max_mb:  ", "  attachment_max_mb: lots").replace("  spam_filter:  ", "  spam_filter: maybe")
    text = text.replace('password_reset: ""', 'password_reset: "panel"') + "  attachments: 10\n"
    servers.write_text(text, encoding="utf-8")
    problems = problems_of(broken_kb)
    assert "knowledge/servers.yaml: provider attachment_max_mb: must be a whole number above 0, or empty" in problems
    assert "knowledge/servers.yaml: provider spam_filter: must be true or false" in problems
    assert "knowledge/servers.yaml: provider password_reset: must be a web address (https://...) or empty" in problems
    assert any(p.startswith("knowledge/servers.yaml: provider attachments: unknown fact") for p in problems)


def test_an_answer_may_name_any_provider_fact_but_not_a_flag_alone(broken_kb):
    import yaml

    path = broken_kb / "articles" / "smtp.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for lang in ("it", "en"):
        data["answer"][lang] += "\n{if_spam_filter}{sending_limit_per_day} {spam_filter}"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = problems_of(broken_kb)
    assert any("article smtp answer (it): unknown placeholder {spam_filter}" in p for p in problems)
    assert not any("unknown placeholder {sending_limit_per_day}" in p or "unknown placeholder {if_spam" in p for p in problems)
