"""The commands operators rely on (README.md, docs/operations.md), run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str = "", env: dict | None = None,
        tmp_path: Path | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "BOT_", "SMTP_")) or k == "BOT_CACHE_DIR"}
    if tmp_path is not None:
        environ["BOT_DATA_DIR"] = str(tmp_path / "data")
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, env=environ, cwd=ROOT,
        timeout=60,
    )


def test_ask_json_one_question(tmp_path):
    result = run("ask", "--json", "come configuro la posta su iPhone?", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"intent", "article", "client", "lang", "confidence", "suggestions", "text"}
    assert (answer["intent"], answer["client"], answer["lang"]) == ("setup", "ios-mail", "it")
    assert 0 <= answer["confidence"] <= 1


def test_ask_reads_one_question_per_line_in_order(tmp_path):
    questions = "what is smtp?\nquanto costa il dominio?\n\nvoglio parlare con un operatore\n"
    result = run("ask", "--json", "-", stdin=questions, tmp_path=tmp_path)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["intent"], a["article"], a["lang"]) for a in answers] == [
        ("answer", "smtp", "en"),
        ("fallback", None, "it"),
        ("fallback", None, "it"),
        ("handoff", None, "it"),
    ]


def test_ask_lang_forces_the_reply_language(tmp_path):
    result = run("ask", "--json", "--lang", "en", "cos'è smtp?", tmp_path=tmp_path)
    answer = json.loads(result.stdout)
    assert answer["lang"] == "en" and "Was this helpful?" in answer["text"]


def test_ask_plain_prints_the_reply_text(tmp_path):
    result = run("ask", "what is smtp?", tmp_path=tmp_path)
    assert result.returncode == 0 and "SMTP" in result.stdout and "{" not in result.stdout


def test_ask_and_chat_do_not_import_telegram(tmp_path):
    code = (
        "import sys, runpy; sys.argv=['bot','ask','--json','ciao']; "
        "import bot.cli as c; rc=c.main(sys.argv[1:]); "
        "assert not any(m == 'telegram' or m.startswith('telegram.') for m in sys.modules), 'telegram imported'"
    )
    environ = dict(os.environ, BOT_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=environ,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_chat_with_piped_input_answers_presses_buttons_and_ends_cleanly(tmp_path):
    script = "che differenza c'è tra pop3 e imap?\nsi\n/language en\nwhat is smtp?\n1\n"
    result = run("chat", "--lang", "it", stdin=script, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Ciao!")
    assert "[1] 📨 POP3 o IMAP?" in out
    assert "Ti è stato utile?" in out and "Bene, sono contento" in out
    assert "Done: I'll write to you in English." in out
    assert "== SMTP" in out or "SMTP" in out.split("Done:")[1]


def test_chat_empty_input_exits_zero(tmp_path):
    result = run("chat", stdin="", tmp_path=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("Ciao!")


def test_kb_check_ok_and_broken(tmp_path):
    ok = run("kb", "check", tmp_path=tmp_path)
    assert ok.returncode == 0
    assert "knowledge base OK" in ok.stdout
    broken = tmp_path / "knowledge"
    import shutil

    shutil.copytree(ROOT / "knowledge", broken)
    (broken / "articles" / "smtp.yaml").write_text("id: smtp\ntitle: {it: SMTP}\n", encoding="utf-8")
    result = run("kb", "check", env={"KNOWLEDGE_DIR": str(broken)}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert ("knowledge/articles/smtp.yaml: article smtp title: the English text (en) is missing or empty"
            in result.stdout)


def test_kb_export_json_has_both_languages_of_every_article(tmp_path):
    result = run("kb", "export", "--json", tmp_path=tmp_path)
    rows = json.loads(result.stdout)
    assert {(r["id"], r["lang"]) for r in rows} >= {("pop3-vs-imap", "it"), ("pop3-vs-imap", "en")}
    assert all(set(r) == {"id", "lang", "title", "questions", "answer"} for r in rows)


def test_kb_unanswered_lists_fallbacks_from_chat_most_frequent_first(tmp_path):
    assert "No unanswered" in run("kb", "unanswered", tmp_path=tmp_path).stdout
    run("chat", stdin="quanto costa il dominio?\nwho won the football match\nquanto costa il dominio?\n",
        tmp_path=tmp_path)
    result = run("kb", "unanswered", "--json", tmp_path=tmp_path)
    rows = json.loads(result.stdout)
    assert [(r["question"], r["count"]) for r in rows] == [("quanto costa il dominio?", 2),
                                                           ("who won the football match", 1)]
    assert all(1 <= len(r["suggestions"]) <= 3 for r in rows)
    assert all(0 <= s["confidence"] <= 1 and s["article"] for r in rows for s in r["suggestions"])
    text = run("kb", "unanswered", tmp_path=tmp_path).stdout
    assert text.splitlines()[1].split()[0] == "2"
    assert text.splitlines()[2].strip().startswith("-> ")


def test_kb_check_warns_about_an_example_that_belongs_to_another_article(tmp_path):
    knowledge = tmp_path / "knowledge"
    import shutil

    shutil.copytree(ROOT / "knowledge", knowledge)
    article = knowledge / "articles" / "offline-access.yaml"
    text = article.read_text(encoding="utf-8")
    misplaced = "    - \"come si configura la posta sull'iphone passo passo\"\n"
    article.write_text(text.replace("questions:\n  it:\n", "questions:\n  it:\n" + misplaced, 1), encoding="utf-8")
    result = run("kb", "check", env={"KNOWLEDGE_DIR": str(knowledge)}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout
    assert ("warning: offline-access: the example \"come si configura la posta sull'iphone passo passo\" "
            "reads as @setup") in result.stdout


@pytest.mark.parametrize("env, message", [({"SMTP_PORT": "x"}, "SMTP_PORT must be a whole number")])
def test_configuration_errors_are_one_clear_line(tmp_path, env, message):
    result = run("ask", "ciao", env=env, tmp_path=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_broken_knowledge_base_stops_chat_with_the_problems(tmp_path):
    broken = tmp_path / "kb"
    broken.mkdir()
    result = run("chat", env={"KNOWLEDGE_DIR": str(broken)}, tmp_path=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "articles" in result.stderr


def test_health_fails_when_polling_makes_no_progress(tmp_path):
    # Regression: an update the library could not parse was fetched 22 times a second, and health said healthy.
    import time as clock

    data = tmp_path / "data"
    data.mkdir()
    beat = data / "heartbeat"
    beat.write_text(json.dumps({"at": clock.time(), "progress": clock.time(), "unparseable": 0}))
    assert run("health", tmp_path=tmp_path).returncode == 0
    beat.write_text(json.dumps({"at": clock.time(), "progress": clock.time() - 600, "unparseable": 3}))
    result = run("health", tmp_path=tmp_path)
    assert result.returncode == 1 and "no updates fetched" in result.stdout
