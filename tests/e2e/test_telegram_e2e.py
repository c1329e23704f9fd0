"""The real ``python -m bot run`` process against a local stand-in for the Telegram Bot API.

Each test starts the bot as a subprocess whose TELEGRAM_BASE_URL points at the stand-in on 127.0.0.1,
plays customers through it, and checks what the bot sent. No test reaches the internet; every wait
is for a condition, with a bound. After each test, the stand-in must have refused nothing the bot sent.
The fixtures come from tests/support/telegram_e2e_support.py.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from ports import free_port
from telegram_e2e_support import MARIO, MARY, buttons, request_imap, texts


def test_start_greets_each_customer_in_their_language_with_the_menu(fake, start_bot):
    start_bot()
    fake.send_text(MARIO, "/start")
    fake.send_text(MARY, "/start")
    [it] = fake.wait_for_messages(MARIO, 1)
    [en] = fake.wait_for_messages(MARY, 1)
    assert it["plain_text"].startswith("Ciao!") and en["plain_text"].startswith("Hi!")
    assert buttons(it)[:4] == ["art:pop3-vs-imap", "flow:setup", "flow:imap", "flow:human"]
    assert it["parse_mode"] == "HTML"


def test_command_menu_is_registered_in_both_languages(fake, start_bot):
    start_bot()
    fake.wait_for(lambda: fake.my_commands("it") and fake.my_commands("en") and fake.my_commands(""))
    it = {c["command"]: c["description"] for c in fake.my_commands("it")}
    en = {c["command"]: c["description"] for c in fake.my_commands("en")}
    assert set(it) == set(en) == {"start", "help", "language", "setup", "imap", "human", "cancel"}
    assert it["human"] == "Parla con una persona" and en["human"] == "Talk to a person"


def test_a_whole_conversation_with_buttons_pressed_and_typed(fake, start_bot, tmp_path):
    start_bot()
    fake.send_text(MARIO, "che differenza c'è tra pop3 e imap?")
    [answer] = fake.wait_for_messages(MARIO, 1)
    assert "<b>" in answer["text"] and "Ti è stato utile?" in answer["plain_text"]
    assert "fb:1:pop3-vs-imap" in buttons(answer)

    update = fake.press_button(MARIO, answer["message_id"], "fb:1:pop3-vs-imap")
    fake.wait_for_messages(MARIO, 2)
    assert texts(fake, MARIO)[1].startswith("Bene")
    assert len(fake.answered_callbacks) == 1
    fake.wait_for(lambda: fake.message(MARIO, answer["message_id"])["reply_markup"] is None)  # no second press
    assert update

    fake.send_text(MARIO, "/start")
    fake.wait_for_messages(MARIO, 3)
    fake.send_text(MARIO, "configura la mia posta")  # the label of a button, typed
    fake.wait_for_messages(MARIO, 4)
    assert "Configura la posta" in texts(fake, MARIO)[3]


def test_text_that_looks_like_html_is_escaped(fake, start_bot):
    start_bot()
    fake.send_text(MARY, "<b>imap</b> & <script>alert(1)</script> what is smtp?")
    fake.send_text(MARY, "vorrei attivare imap per <info>@rossi.it & co")
    answer, form = fake.wait_for_messages(MARY, 2)
    assert answer["plain_text"].startswith("What is SMTP") and answer["entities"][0]["type"] == "bold"
    assert form["plain_text"].startswith("Attiva IMAP\n\nSu quale casella")  # "<info>@rossi.it" is no address
    # What the customer typed comes back in the request's summary: shown as typed, not read as HTML.
    fake.send_text(MARY, "info@rossi.it")
    fake.wait_for_messages(MARY, 3)
    fake.send_text(MARY, "Rossi <b>&</b> Figli <script>")
    contact = fake.wait_for_messages(MARY, 4)[-1]
    fake.press_button(MARY, contact["message_id"], next(b for b in buttons(contact) if b.endswith(":skip")))
    summary = fake.wait_for_messages(MARY, 5)[-1]
    assert "Rossi <b>&</b> Figli <script>" in summary["plain_text"], summary["plain_text"]
    assert "Rossi &lt;b&gt;&amp;&lt;/b&gt; Figli &lt;script&gt;" in summary["text"], summary["text"]


@pytest.mark.parametrize(
    "content",
    [
        {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
        {"sticker": {"file_id": "s1", "file_unique_id": "u2", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False}},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "screenshot.pdf"}},
        {"location": {"latitude": 45.46, "longitude": 9.19}},
    ],
)
def test_what_is_not_text_gets_a_short_reply_in_the_customers_language(fake, start_bot, content):
    start_bot()
    fake.push_update({"message": fake.make_message(MARIO, **content)})
    [reply] = fake.wait_for_messages(MARIO, 1)
    assert reply["plain_text"].startswith("So leggere solo il testo")


def test_edited_messages_are_asked_to_be_sent_again(fake, start_bot):
    start_bot()
    message = fake.make_message(MARY, text="what is imap", edit_date=1700000000)
    fake.push_update({"edited_message": message})
    [reply] = fake.wait_for_messages(MARY, 1)
    assert reply["plain_text"].startswith("I only read new messages")


def test_groups_channels_and_other_updates_get_silence(fake, start_bot):
    fake.add_group(-100777, "Random group")
    bot = start_bot()
    fake.send_text(-100777, "ciao bot, cos'è imap?", user_id=MARIO)
    fake.push_update({"channel_post": {"message_id": 5, "date": 1700000000, "text": "news",
                                       "chat": {"id": -100888, "type": "channel", "title": "News"}}})
    fake.push_update({"my_chat_member": {
        "chat": {"id": MARIO, "type": "private", "first_name": "Mario"},
        "from": {"id": MARIO, "is_bot": False, "first_name": "Mario"}, "date": 1700000000,
        "old_chat_member": {"status": "member", "user": {"id": 123456, "is_bot": True, "first_name": "Mailbot"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 123456, "is_bot": True, "first_name": "Mailbot"}}}})
    fake.send_text(MARY, "ciao")  # a marker: once it is answered, everything before was handled
    fake.wait_for_messages(MARY, 1)
    assert fake.sent_to(-100777) == [] and fake.sent_to(MARIO) == []
    assert "-100777" in bot.output()  # logged, to help find SUPPORT_CHAT_ID


def test_garbage_and_stale_callback_data_is_answered_without_acting(fake, start_bot):
    start_bot()
    fake.send_text(MARY, "/start")
    [menu] = fake.wait_for_messages(MARY, 1)
    fake.press_button(MARY, menu["message_id"], "\x00garbage;DROP TABLE", check_button=False)
    fake.wait_for_messages(MARY, 2)
    assert texts(fake, MARY)[1].startswith("That button is no longer active")
    fake.press_button(MARY, menu["message_id"], "fb:1:smtp", check_button=False)  # feedback for no answer
    fake.wait_for_messages(MARY, 3)
    assert len(fake.answered_callbacks) == 2


def test_kill_minus_nine_mid_conversation_loses_nothing(fake, start_bot):
    bot = start_bot()
    fake.send_text(MARY, "/language it")
    fake.wait_for_messages(MARY, 1)
    bot.kill()  # at once: the reply may have been in flight, and is then sent again (at least once out)
    fake.send_text(MARY, "what is smtp?")  # arrives while the bot is down
    start_bot()
    fake.wait_for(lambda: any("SMTP" in (m["plain_text"] or "") for m in fake.sent_to(MARY)))
    answer = next(m for m in fake.sent_to(MARY) if "SMTP" in (m["plain_text"] or ""))
    assert "Ti è stato utile?" in answer["plain_text"]  # the chosen language survived the restart
    fake.wait_for(lambda: not fake.pending_updates())


def test_an_update_handled_just_before_a_crash_is_not_answered_twice(fake, start_bot, tmp_path):
    import sqlite3

    bot = start_bot()
    fake.send_text(MARY, "what is smtp?")
    fake.wait_for_messages(MARY, 1)

    def handled() -> bool:  # the reply is noted as delivered (a kill before that may send it again)
        with sqlite3.connect(tmp_path / "mailbot.sqlite3") as db:
            row = db.execute("SELECT json_extract(data, '$.delivery.undelivered') FROM sessions WHERE chat_id = ?",
                             (str(MARY),)).fetchone()
        return row is not None and row[0] == "[]"

    fake.wait_for(handled)
    bot.kill()  # the update was handled, but not yet confirmed with the next poll
    start_bot()
    fake.send_text(MARY, "ciao")
    fake.wait_for_messages(MARY, 2)
    fake.wait_for(lambda: not fake.pending_updates())
    assert len(fake.sent_to(MARY)) == 2


def test_429_answers_are_retried_and_no_reply_is_lost(fake, start_bot):
    start_bot()
    fake.inject_429("sendMessage", count=3, retry_after=1)
    fake.send_text(MARY, "what is smtp?")
    fake.send_text(MARIO, "cos'è imap?")
    [smtp] = fake.wait_for_messages(MARY, 1, timeout=20)
    [imap] = fake.wait_for_messages(MARIO, 1, timeout=20)
    assert smtp["plain_text"].startswith("What is SMTP") and imap["plain_text"].startswith("Come funziona IMAP?")
    assert [a[3] for a in fake.answered_429] == [1, 1, 1]  # the three refusals, each waited out
    fake.wait_for(lambda: not fake.pending_updates())
    assert texts(fake, MARY) == [smtp["plain_text"]] and texts(fake, MARIO) == [imap["plain_text"]]  # once each


def test_5xx_answers_are_retried(fake, start_bot):
    start_bot()
    fake.fail_method("sendMessage", status=502, count=2, description="Bad Gateway")
    fake.send_text(MARY, "what is smtp?")
    [answer] = fake.wait_for_messages(MARY, 1, timeout=20)
    assert answer["plain_text"].startswith("What is SMTP")
    assert len([c for c in fake.calls_to("sendMessage") if c["chat_id"] == MARY]) == 3  # two 502s, then sent
    assert [e[2] for e in fake.errors] == [502, 502]


def test_a_customer_who_blocked_the_bot_is_logged_not_retried(fake, start_bot):
    bot = start_bot()
    fake.block_user(MARIO)
    fake.send_text(MARIO, "ciao")
    fake.send_text(MARY, "ciao")
    fake.wait_for_messages(MARY, 1)
    fake.wait_for(lambda: "cannot be reached" in bot.output())
    assert len([c for c in fake.calls_to("sendMessage") if c["chat_id"] == MARIO]) == 1


def test_a_failing_command_menu_does_not_stop_start_up(fake, start_bot):
    fake.fail_method("setMyCommands", status=500)
    start_bot()
    fake.send_text(MARY, "hello")
    [greeting] = fake.wait_for_messages(MARY, 1)
    assert greeting["plain_text"].startswith("Hi!") and "flow:setup" in buttons(greeting)
    assert fake.calls_to("setMyCommands") and fake.my_commands() == []  # tried, refused, and the bot went on


def test_a_second_process_polling_the_same_token_exits_with_a_clear_message(fake, start_bot, tmp_path):
    # Two bots on two databases: not replicas of one deployment, but a mistake to report. (On one database
    # they are replicas: one polls, the other stands by; tests/e2e/test_replicas_polling.py.)
    first = start_bot()
    second = start_bot(wait=False, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'another.sqlite3'}"})
    fake.wait_for(lambda: first.process.poll() is not None or second.process.poll() is not None, timeout=40)
    stopped = first if first.process.poll() is not None else second
    assert stopped.process.returncode == 1
    assert "another process is polling this bot's token" in stopped.output()


def test_a_storm_of_messages_gets_one_slow_down(fake, start_bot):
    start_bot()
    for n in range(25):
        fake.send_text(MARY, f"what is smtp {n}?")
    fake.wait_for_messages(MARY, 21, timeout=30)
    fake.send_text(MARY, "ciao")  # dropped too: still within the minute
    fake.send_text(MARIO, "ciao")
    fake.wait_for_messages(MARIO, 1)
    fake.wait_for(lambda: not fake.pending_updates())
    sent = texts(fake, MARY)
    assert len(sent) == 21 and sent[-1].startswith("You're writing faster")


def test_a_burst_from_100_customers_is_all_answered_in_order_with_429s(fake, start_bot):
    fake.flood_limit_per_chat_per_second = None
    customers = list(range(5000, 5100))
    for user in customers:
        fake.add_private_chat(user, f"C{user}", language_code="en")
    start_bot()
    fake.inject_429("sendMessage", count=5, retry_after=1)
    for round_number in range(2):
        for user in customers:
            fake.send_text(user, "what is smtp?" if round_number == 0 else "hello")
    fake.wait_for(lambda: all(len(fake.sent_to(u)) >= 2 for u in customers), timeout=90)
    for user in customers:
        first, second = texts(fake, user)
        assert "SMTP" in first and second.startswith("Hi!")


def test_webhook_mode_checks_the_secret_token(fake, start_bot):
    port = free_port()
    env = {"WEBHOOK_URL": "https://bot.example.com/telegram", "WEBHOOK_LISTEN": "127.0.0.1",
           "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET": "s3cret-path-token"}
    bot = start_bot("--webhook", env=env, wait=False)
    fake.wait_for(lambda: fake.webhook_url, timeout=30)
    update = {"update_id": 900001, "message": fake.make_message(MARY, text="what is smtp?")}

    def post(secret: str | None) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     **({"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    fake.wait_for(lambda: post("wrong") == 403, timeout=20)
    assert post(None) == 403
    assert fake.sent_to(MARY) == []
    assert post("s3cret-path-token") == 200
    fake.wait_for_messages(MARY, 1)
    assert "s3cret-path-token" not in bot.output()
    # The webhook's server serves the autoconfiguration paths too.
    address = f"http://127.0.0.1:{port}/mail/config-v1.1.xml?emailaddress=a@rossi.it"
    with urllib.request.urlopen(address, timeout=5) as response:
        assert response.status == 200 and b"<clientConfig" in response.read()


def test_the_setup_guide_on_telegram_sends_the_profile_as_a_document(fake, start_bot):
    start_bot()
    fake.send_text(MARY, "how do I set up my mail on my iPhone?")
    [protocol] = fake.wait_for_messages(MARY, 1)
    pop3 = next(b for b in buttons(protocol) if b.endswith(":p:pop3"))
    fake.press_button(MARY, protocol["message_id"], pop3)
    fake.wait_for_messages(MARY, 2)
    fake.send_text(MARY, "info@rossi.it")
    fake.wait_for(lambda: any(m.get("document_filename") for m in fake.sent_to(MARY)))
    [document] = [m for m in fake.sent_to(MARY) if m.get("document_filename")]
    assert document["document_filename"] == "info_at_rossi.it.mobileconfig"
    assert b"com.apple.mail.managed" in document["document_bytes"]
    fake.wait_for(lambda: any("Step 1 of" in (m["plain_text"] or "") for m in fake.sent_to(MARY)))
    step = next(m for m in fake.sent_to(MARY) if "Step 1 of" in (m["plain_text"] or ""))
    next_button = next(b for b in buttons(step) if b.endswith(":n"))
    fake.press_button(MARY, step["message_id"], next_button)
    fake.wait_for(lambda: any("Step 2 of" in (m["plain_text"] or "") for m in fake.sent_to(MARY)))
    fake.press_button(MARY, step["message_id"], next_button, check_button=False)  # the same, stale press
    fake.wait_for(lambda: len(fake.answered_callbacks) == 2)


def test_an_imap_request_on_telegram_reaches_the_support_mailbox_even_if_smtp_starts_late(fake, start_bot, tmp_path):
    from smtp_server import SMTPServer
    from smtp_server import free_port as free_smtp_port

    port = free_smtp_port()
    start_bot(env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none",
                   "OUTBOX_RETRY_SECONDS": "1"})
    reference = request_imap(fake, MARIO, "info@rossi.it")
    time.sleep(1.5)  # SMTP is down at first: the request waits in the outbox
    with SMTPServer(port) as server:
        server.wait_for(1, timeout=30)
        fake.wait_for(lambda: any("è arrivata al nostro supporto" in (m["plain_text"] or "")
                                  for m in fake.sent_to(MARIO)), timeout=30)
        [(_, message)] = server.messages
    assert reference in message["Subject"]


def test_a_storm_of_forged_button_presses_is_not_answered_and_holds_no_one(fake, start_bot):
    # Regression: the flood guard ignored buttons; 300 forged presses got 300 replies.
    start_bot()
    fake.send_text(MARIO, "ciao")
    [menu] = fake.wait_for_messages(MARIO, 1)
    for _ in range(60):
        fake.press_button(MARIO, menu["message_id"], "menu", check_button=False)
    fake.send_text(MARY, "what is smtp?")
    fake.wait_for(lambda: any("SMTP" in t for t in texts(fake, MARY)))
    fake.wait_for(lambda: len(fake.answered_callbacks) >= 20)
    assert len(fake.sent_to(MARIO)) <= 1 + 21  # at most the flood guard's allowance, and one warning
    assert len(fake.answered_callbacks) <= 21
