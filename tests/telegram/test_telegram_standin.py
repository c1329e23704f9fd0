"""Self-check of the Telegram stand-in: over plain HTTP with urllib, then with python-telegram-bot."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from telegram_standin import CONFLICT_DESCRIPTION, FakeTelegram

TOKEN = "123:TEST"


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        server.add_private_chat(user_id=1001, first_name="Mario", language_code="it", username="mario")
        server.add_group(chat_id=-100500, title="Support", forum=True)
        yield server
        assert server.internal_errors == []


def call(fake: FakeTelegram, method: str, token: str = TOKEN, **params) -> tuple[int, dict]:
    """POST params as JSON; return (HTTP status, decoded body)."""
    request = urllib.request.Request(
        f"{fake.base_url.removesuffix('/bot')}/bot{token}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    return _open(request)


def call_form(fake: FakeTelegram, method: str, **params) -> tuple[int, dict]:
    """POST params form-encoded, non-strings JSON-encoded, like python-telegram-bot does."""
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    request = urllib.request.Request(
        f"{fake.base_url}{TOKEN}/{method}", data=urllib.parse.urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return _open(request)


def _open(request: urllib.request.Request) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def send(fake, text, **params):
    return call(fake, "sendMessage", chat_id=1001, text=text, **params)


def test_get_me_wrong_token_unknown_method_and_case(fake):
    status, body = call(fake, "getMe")
    assert status == 200 and body["ok"] is True
    assert body["result"]["is_bot"] is True and body["result"]["username"] == "mailbot_test_bot"
    assert call(fake, "getMe", token="999:WRONG") == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert call(fake, "sendPigeon") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = call(fake, "sendmessage", chat_id=1001, text="hi")
    assert status == 200 and body["result"]["text"] == "hi"
    assert [name for name, _ in fake.calls] == ["getMe", "getMe", "sendPigeon", "sendMessage"]


def test_get_updates_offset_confirmation_and_redelivery(fake):
    first = fake.send_text(1001, "/start")
    second = fake.send_text(1001, "ciao")
    _, body = call(fake, "getUpdates", timeout=0)
    updates = body["result"]
    assert [u["update_id"] for u in updates] == [first, second]
    message = updates[0]["message"]
    assert message["chat"] == {"id": 1001, "type": "private", "first_name": "Mario", "username": "mario"}
    assert message["from"]["language_code"] == "it" and message["from"]["is_bot"] is False
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert "entities" not in updates[1]["message"]
    # Not confirmed: a restarted bot gets them again.
    _, again = call(fake, "getUpdates", timeout=0)
    assert [u["update_id"] for u in again["result"]] == [first, second]
    _, body = call(fake, "getUpdates", offset=second, timeout=0)
    assert [u["update_id"] for u in body["result"]] == [second]
    assert fake.confirmed_offset == second
    _, body = call(fake, "getUpdates", offset=second + 1, timeout=0)
    assert body["result"] == [] and fake.pending_updates() == []


def test_long_poll_waits_and_wakes_up_on_push(fake):
    started = time.monotonic()
    _, body = call(fake, "getUpdates", timeout=0.3)
    assert body["result"] == [] and 0.25 <= time.monotonic() - started < 2
    threading.Timer(0.2, fake.send_text, args=(1001, "hello")).start()
    started = time.monotonic()
    _, body = call(fake, "getUpdates", timeout=5)
    assert time.monotonic() - started < 2
    assert body["result"][0]["message"]["text"] == "hello"


def test_concurrent_get_updates_terminates_the_older_one(fake):
    results = {}

    def poll():
        results["old"] = call(fake, "getUpdates", timeout=5)

    poller = threading.Thread(target=poll)
    poller.start()
    fake.wait_for(lambda: len(fake.calls_to("getUpdates")) == 1, timeout=2)
    time.sleep(0.05)
    status, body = call(fake, "getUpdates", timeout=0)
    poller.join(timeout=3)
    assert status == 200 and body["result"] == []
    assert results["old"] == (409, {"ok": False, "error_code": 409, "description": CONFLICT_DESCRIPTION})


def test_html_refusals_and_acceptance(fake):
    for text in ("<b>x", "a < b", "<script>alert(1)</script>", "a & b", "<b><i>x</b></i>", "<span>x</span>",
                 "x</b>", '<a href="https://x.org" target="_blank">x</a>'):
        status, body = send(fake, text, parse_mode="HTML")
        assert status == 400, text
        assert body["description"].startswith("Bad Request: can't parse entities: "), body
    assert len(fake.refusals) == 8 and fake.sent_to(1001) == []
    status, body = send(fake, "&lt;b&gt; &amp; &quot;x&quot; &#39;", parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == "<b> & \"x\" '"
    status, body = send(fake, "<b>ok</b> fine", parse_mode="HTML")
    assert body["result"]["text"] == "ok fine"
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    sent = fake.sent_to(1001)
    assert [m["text"] for m in sent] == ["&lt;b&gt; &amp; &quot;x&quot; &#39;", "<b>ok</b> fine"]
    assert sent[1]["plain_text"] == "ok fine" and sent[1]["parse_mode"] == "HTML"
    assert [m["message_id"] for m in sent] == [1, 2]
    assert send(fake, "a < b")[0] == 200  # without parse_mode anything goes


def test_text_length_empty_text_and_unknown_chat(fake):
    assert send(fake, "x" * 4096)[0] == 200
    status, body = send(fake, "x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    # The limit applies to the visible text: entities count as one character, tags as none.
    assert send(fake, "<b>" + "&amp;" * 2000 + "</b>" + "x" * 2096, parse_mode="HTML")[0] == 200
    assert send(fake, "<b>" + "&amp;" * 2000 + "</b>" + "x" * 2097, parse_mode="HTML")[0] == 400
    assert send(fake, "")[1]["description"] == "Bad Request: message text is empty"
    assert send(fake, "<b> </b>", parse_mode="HTML")[1]["description"] == "Bad Request: message text is empty"
    status, body = call(fake, "sendMessage", chat_id=4242, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


def test_inline_keyboard_validation_in_form_posts(fake):
    def keyboard(data):
        return {"inline_keyboard": [[{"text": "SMTP", "callback_data": data}], [{"text": "Docs", "url": "https://example.com"}]]}

    status, body = call_form(fake, "sendMessage", chat_id=1001, text="menu", reply_markup=keyboard("é" * 32))
    assert status == 200 and body["result"]["reply_markup"] == keyboard("é" * 32)
    assert fake.sent_to(1001)[0]["reply_markup"] == keyboard("é" * 32)
    status, body = call_form(fake, "sendMessage", chat_id=1001, text="menu", reply_markup=keyboard("é" * 32 + "x"))
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = call_form(fake, "sendMessage", chat_id=1001, text="menu",
                             reply_markup={"inline_keyboard": [[{"text": "no action"}]]})
    assert status == 400
    status, body = call_form(fake, "sendMessage", chat_id=1001, text="menu", reply_markup="{not json")
    assert status == 400
    assert len(fake.sent_to(1001)) == 1


def test_inject_429_block_user_and_fail_method(fake):
    fake.inject_429("sendMessage", count=2, retry_after=3)
    for _ in range(2):
        status, body = send(fake, "hi")
        assert status == 429
        assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                        "parameters": {"retry_after": 3}}
    assert send(fake, "hi")[0] == 200
    fake.block_user(1001)
    assert send(fake, "hi") == (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
    fake.unblock_user(1001)
    fake.fail_method("setMyCommands", status=500, count=1)
    commands = [{"command": "start", "description": "Start"}]
    assert call(fake, "setMyCommands", commands=commands)[0] == 500
    assert call(fake, "setMyCommands", commands=commands)[0] == 200
    assert fake.my_commands() == commands


def test_flood_control(fake):
    fake.flood_limit_per_chat_per_second = 3
    assert [send(fake, "x")[0] for _ in range(4)] == [200, 200, 200, 429]
    assert fake.errors[-1][3] == "Too Many Requests: retry after 1"


def test_commands_validation_per_language(fake):
    assert call(fake, "setMyCommands", commands=[{"command": "Start", "description": "x"}])[1]["description"] \
        == "Bad Request: BOT_COMMAND_INVALID"
    assert call(fake, "setMyCommands", commands=[{"command": "start", "description": ""}])[0] == 400
    assert call_form(fake, "setMyCommands", commands=[{"command": "aiuto", "description": "Aiuto"}], language_code="it")[0] == 200
    assert call(fake, "getMyCommands", language_code="it")[1]["result"] == [{"command": "aiuto", "description": "Aiuto"}]
    assert call(fake, "getMyCommands")[1]["result"] == []
    assert call(fake, "deleteMyCommands", language_code="it")[0] == 200
    assert fake.my_commands("it") == []


def test_buttons_callbacks_and_edits(fake):
    markup = {"inline_keyboard": [[{"text": "SMTP", "callback_data": "art:smtp"}]]}
    _, body = send(fake, "Choose", reply_markup=markup)
    message_id = body["result"]["message_id"]
    update_id = fake.press_button(1001, message_id, "art:smtp")
    _, body = call(fake, "getUpdates", timeout=0)
    (update,) = body["result"]
    assert update["update_id"] == update_id
    query = update["callback_query"]
    assert query["data"] == "art:smtp" and query["message"]["message_id"] == message_id
    assert query["message"]["chat"]["id"] == 1001 and query["from"]["id"] == 1001
    assert call(fake, "answerCallbackQuery", callback_query_id=query["id"], text="ok")[0] == 200
    status, body = call(fake, "answerCallbackQuery", callback_query_id=query["id"])
    assert status == 400 and "query is too old" in body["description"]
    assert fake.answered_callbacks == [query["id"]]
    with pytest.raises(ValueError):
        fake.press_button(1001, message_id, "art:imap")

    status, body = call(fake, "editMessageText", chat_id=1001, message_id=message_id, text="Choose", reply_markup=markup)
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    status, body = call(fake, "editMessageText", chat_id=1001, message_id=message_id, text="<i>SMTP</i>", parse_mode="HTML")
    assert status == 200 and body["result"]["text"] == "SMTP" and "reply_markup" not in body["result"]
    assert call(fake, "editMessageReplyMarkup", chat_id=1001, message_id=message_id)[0] == 400  # already none
    assert call(fake, "editMessageReplyMarkup", chat_id=1001, message_id=message_id, reply_markup=markup)[0] == 200
    status, body = call(fake, "editMessageText", chat_id=1001, message_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    sent = fake.sent_to(1001)
    assert len(sent) == 1 and sent[0]["text"] == "<i>SMTP</i>" and sent[0]["reply_markup"] == markup
    assert [e["method"] for e in fake.edit_history] == ["editMessageText", "editMessageReplyMarkup"]


def test_send_document_multipart(fake):
    boundary = "----standinboundary"
    content = b"line1\r\nline2\x00\xff--binary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n1001\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\n<b>Log</b>\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="parse_mode"\r\n\r\nHTML\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="report.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n".encode() + content + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    request = urllib.request.Request(
        f"{fake.base_url}{TOKEN}/sendDocument", data=b"".join(parts),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    status, body = _open(request)
    assert status == 200, body
    document = body["result"]["document"]
    assert document["file_name"] == "report.txt" and document["file_size"] == len(content)
    assert body["result"]["caption"] == "Log"
    (sent,) = fake.sent_to(1001)
    assert sent["document_filename"] == "report.txt" and sent["document_bytes"] == content
    assert sent["method"] == "sendDocument" and sent["caption"] == "Log"


def test_forum_topics_copy_and_forward(fake):
    status, body = call(fake, "createForumTopic", chat_id=-100500, name="Mario #1001")
    assert status == 200
    thread_id = body["result"]["message_thread_id"]
    assert call(fake, "createForumTopic", chat_id=-100500, name="")[0] == 400
    fake.send_text(1001, "my mail does not work")
    customer_message_id = fake.pending_updates()[-1]["message"]["message_id"]
    status, body = call(fake, "copyMessage", chat_id=-100500, from_chat_id=1001, message_id=customer_message_id,
                        message_thread_id=thread_id)
    assert status == 200 and set(body["result"]) == {"message_id"}
    status, body = call(fake, "forwardMessage", chat_id=-100500, from_chat_id=1001, message_id=customer_message_id,
                        message_thread_id=thread_id)
    assert body["result"]["forward_origin"]["sender_user"]["id"] == 1001
    copied, forwarded = fake.sent_to(-100500)
    assert copied["plain_text"] == "my mail does not work" and copied["message_thread_id"] == thread_id
    assert copied["copied_from"] == (1001, customer_message_id) and forwarded["method"] == "forwardMessage"
    assert call(fake, "sendMessage", chat_id=-100500, text="x", message_thread_id=9999)[1]["description"] \
        == "Bad Request: message thread not found"
    assert call(fake, "closeForumTopic", chat_id=-100500, message_thread_id=thread_id)[0] == 200
    assert call(fake, "closeForumTopic", chat_id=-100500, message_thread_id=thread_id)[0] == 400
    assert call(fake, "reopenForumTopic", chat_id=-100500, message_thread_id=thread_id)[0] == 200
    assert call(fake, "editForumTopic", chat_id=-100500, message_thread_id=thread_id, name="Mario")[0] == 200
    assert fake.topics(-100500)[thread_id]["name"] == "Mario"
    assert call(fake, "getChatMember", chat_id=-100500, user_id=123)[1]["result"]["status"] == "administrator"


def test_delete_webhook_can_drop_pending_updates(fake):
    fake.send_text(1001, "old")
    assert call(fake, "getWebhookInfo")[1]["result"]["pending_update_count"] == 1
    assert call(fake, "deleteWebhook", drop_pending_updates=True)[0] == 200
    assert fake.pending_updates() == []


def test_wait_for_times_out_with_context(fake):
    send(fake, "hello")
    with pytest.raises(AssertionError, match=r"(?s)timed out after 0.1s: two messages.*sendMessage"):
        fake.wait_for(lambda: len(fake.sent_to(1001)) >= 2, timeout=0.1, message="two messages")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_python_telegram_bot_against_the_fake(fake):
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, RetryAfter

    async def scenario():
        bot = Bot(TOKEN, base_url=fake.base_url)
        async with bot:
            me = await bot.get_me()
            assert me.username == "mailbot_test_bot"
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("SMTP", callback_data="art:smtp")]])
            message = await bot.send_message(1001, "<b>Ciao</b> Mario", parse_mode="HTML", reply_markup=markup)
            assert message.text == "Ciao Mario" and message.reply_markup == markup
            with pytest.raises(BadRequest, match="(?i)can't parse entities"):
                await bot.send_message(1001, "<b>x", parse_mode="HTML")
            fake.inject_429("sendMessage", count=1, retry_after=2)
            with pytest.raises(RetryAfter):
                await bot.send_message(1001, "again")
            await bot.send_document(1001, document=b"%PDF-1.4 fake", filename="guide.pdf", caption="Guide")
            fake.send_text(1001, "/start")
            fake.press_button(1001, message.message_id, "art:smtp")
            updates = await bot.get_updates(timeout=0)
            assert updates[0].message.text == "/start"
            assert updates[1].callback_query.data == "art:smtp"
            await bot.answer_callback_query(updates[1].callback_query.id)
            await bot.edit_message_text("Done", chat_id=1001, message_id=message.message_id)
            await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
            chat = await bot.get_chat(-100500)
            assert chat.is_forum
            topic = await bot.create_forum_topic(-100500, "Mario")
            await bot.send_message(-100500, "new ticket", message_thread_id=topic.message_thread_id)
            member = await bot.get_chat_member(-100500, me.id)
            assert member.status == "administrator"

    asyncio.run(scenario())
    sent = fake.sent_to(1001)
    assert [m["method"] for m in sent] == ["sendMessage", "sendDocument"]
    assert sent[0]["plain_text"] == "Done" and sent[0]["edits"] == 1
    assert sent[1]["document_filename"] == "guide.pdf" and sent[1]["document_bytes"] == b"%PDF-1.4 fake"
    assert fake.pending_updates() == [] and fake.answered_callbacks
    (ticket,) = fake.sent_to(-100500)
    assert ticket["message_thread_id"] in fake.topics(-100500)
