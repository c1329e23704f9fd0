"""Messages: send, edit, answer callbacks, documents, copy, forward, delete."""

from __future__ import annotations

import copy
import mimetypes
import time
import uuid
from typing import Any

from .limits import (
    CONTENT_KEYS,
    MAX_CALLBACK_ANSWER_LENGTH,
    NOT_MODIFIED_DESCRIPTION,
    STALE_QUERY_DESCRIPTION,
    bad_request,
)


class MessagesApi:
    """Messages: send, edit, answer callbacks, documents, copy, forward, delete."""

    def _checked_text(self, params: dict) -> tuple[str, str, list]:
        """The text of a send or an edit, refused as Telegram refuses it; with its visible form and entities."""
        text = params.get("text")
        if text is None or not str(text).strip():
            raise bad_request("message text is empty")
        plain, entities = self._formatted(text, params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise bad_request("message text is empty")
        return text, plain, entities

    def _api_sendmessage(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            text, plain, entities = self._checked_text(params)
            markup = self._check_reply_markup(params.get("reply_markup"))
            thread_id = self._thread_id(chat, params)
            self._flood_check(chat)
            content: dict[str, Any] = {"text": plain}
            if entities:
                content["entities"] = entities
            record = self._store_bot_message(chat, "sendMessage", content, params=params,
                                             thread_id=thread_id, reply_markup=markup, text=str(text))
            return copy.deepcopy(record["message"])

    def _edit_target(self, params: dict) -> dict | None:
        """The record of the message to edit, None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat = self._chat(params)
        record = self._messages.get((chat["id"], params.get("message_id")))
        if record is None or record.get("deleted"):
            raise bad_request("message to edit not found")
        if not record["from_bot"]:
            raise bad_request("message can't be edited")
        return record

    def _api_editmessagetext(self, params: dict) -> dict | bool:
        with self._lock:
            record = self._edit_target(params)
            text, plain, entities = self._checked_text(params)
            markup = self._check_reply_markup(params.get("reply_markup"), inline_only=True)
            if record is None:
                return True
            message = record["message"]
            if "text" not in message:
                raise bad_request("there is no text in the message to edit")
            if (message["text"] == plain and message.get("entities", []) == entities
                    and message.get("reply_markup") == self._visible_markup(markup)):
                raise bad_request(NOT_MODIFIED_DESCRIPTION[len("Bad Request: "):])
            message["text"] = plain
            message.pop("entities", None)
            if entities:
                message["entities"] = entities
            self._apply_markup(record, markup)
            record.update(text=str(text), plain_text=plain, parse_mode=params.get("parse_mode"), entities=entities)
            return self._finish_edit(record, "editMessageText")

    def _api_editmessagecaption(self, params: dict) -> dict | bool:
        with self._lock:
            record = self._edit_target(params)
            if record is None:
                return True
            message = record["message"]
            if "text" in message:
                raise bad_request("there is no caption in the message to edit")
            caption, entities = self._formatted(params.get("caption", ""), params.get("parse_mode"),
                                                params.get("caption_entities"), caption=True)
            if message.get("caption", "") == caption:
                raise bad_request(NOT_MODIFIED_DESCRIPTION[len("Bad Request: "):])
            message["caption"] = caption
            message.pop("caption_entities", None)
            if entities:
                message["caption_entities"] = entities
            record.update(caption=caption)
            return self._finish_edit(record, "editMessageCaption")

    def _api_editmessagereplymarkup(self, params: dict) -> dict | bool:
        with self._lock:
            record = self._edit_target(params)
            markup = self._check_reply_markup(params.get("reply_markup"), inline_only=True)
            if record is None:
                return True
            if record["message"].get("reply_markup") == self._visible_markup(markup):
                raise bad_request(NOT_MODIFIED_DESCRIPTION[len("Bad Request: "):])
            self._apply_markup(record, markup)
            return self._finish_edit(record, "editMessageReplyMarkup")

    def _apply_markup(self, record: dict, markup: dict | None) -> None:
        visible = self._visible_markup(markup)
        record["message"].pop("reply_markup", None)
        if visible:
            record["message"]["reply_markup"] = visible
        record["reply_markup"] = copy.deepcopy(markup)

    def _finish_edit(self, record: dict, method: str) -> dict:
        record["edits"] += 1
        record["message"]["edit_date"] = int(time.time())
        self._edit_history.append({
            "method": method, "chat_id": record["chat_id"], "message_id": record["message_id"],
            "text": record.get("text"), "parse_mode": record.get("parse_mode"),
            "reply_markup": copy.deepcopy(record["reply_markup"]),
        })
        return copy.deepcopy(record["message"])

    def _api_answercallbackquery(self, params: dict) -> bool:
        with self._lock:
            query_id = str(params.get("callback_query_id") or "")
            if query_id not in self._open_callbacks:
                raise bad_request(STALE_QUERY_DESCRIPTION[len("Bad Request: "):])
            text = params.get("text")
            if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
                raise bad_request("MESSAGE_TOO_LONG")
            del self._open_callbacks[query_id]
            self._answered_callbacks.append(query_id)
            self._callback_answers.append({
                "callback_query_id": query_id, "text": text, "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
            })
            return True

    def _api_senddocument(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            document = params.get("document")
            if document in (None, ""):
                raise bad_request("there is no document in the request")
            caption, caption_entities = self._formatted(params.get("caption"), params.get("parse_mode"),
                                                        params.get("caption_entities"), caption=True)
            markup = self._check_reply_markup(params.get("reply_markup"))
            thread_id = self._thread_id(chat, params)
            if isinstance(document, dict):
                data = document["bytes"]
                if not data:
                    raise bad_request("file must be non-empty")
                filename = document.get("filename") or "file"
                mime = document.get("content_type") or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            else:  # a file_id or URL
                data, filename = None, str(document).rsplit("/", 1)[-1]
                mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            self._flood_check(chat)
            file_info = {
                "file_id": f"BQACAgQAAxkDAAI{uuid.uuid4().hex}",
                "file_unique_id": f"AgAD{uuid.uuid4().hex[:12]}",
                "file_name": filename,
                "mime_type": mime,
            }
            if data is not None:
                file_info["file_size"] = len(data)
            content: dict[str, Any] = {"document": file_info}
            if caption:
                content["caption"] = caption
                if caption_entities:
                    content["caption_entities"] = caption_entities
            record = self._store_bot_message(
                chat, "sendDocument", content, params=params, thread_id=thread_id, reply_markup=markup,
                text=None, plain_text=None, caption=caption or None, raw_caption=params.get("caption"),
                document_filename=filename, document_bytes=data, document_mime_type=mime,
                entities=caption_entities,
            )
            return copy.deepcopy(record["message"])

    def _api_sendchataction(self, params: dict) -> bool:
        with self._lock:
            chat = self._chat(params)
            if not params.get("action"):
                raise bad_request("wrong parameter action in request")
            self._thread_id(chat, params)
            return True

    def _source_message(self, params: dict, verb: str) -> tuple[dict, dict]:
        source_chat = self._chat(params, "from_chat_id")
        record = self._messages.get((source_chat["id"], params.get("message_id")))
        if record is None or record.get("deleted"):
            raise bad_request(f"message to {verb} not found")
        return source_chat, record

    def _api_copymessage(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            source_chat, source = self._source_message(params, "copy")
            thread_id = self._thread_id(chat, params)
            markup = self._check_reply_markup(params.get("reply_markup"))
            content = {key: copy.deepcopy(source["message"][key]) for key in CONTENT_KEYS if key in source["message"]}
            if "caption" in params and "text" not in content:
                caption, entities = self._formatted(params.get("caption"), params.get("parse_mode"),
                                                    params.get("caption_entities"), caption=True)
                content.pop("caption_entities", None)
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
            self._flood_check(chat)
            record = self._store_bot_message(
                chat, "copyMessage", content, params=params, thread_id=thread_id, reply_markup=markup,
                text=source.get("text"), plain_text=content.get("text"), caption=content.get("caption"),
                copied_from=(source_chat["id"], source["message_id"]),
                document_filename=source.get("document_filename"), document_bytes=source.get("document_bytes"),
                entities=content.get("entities", content.get("caption_entities", [])),
            )
            return {"message_id": record["message_id"]}

    def _api_forwardmessage(self, params: dict) -> dict:
        with self._lock:
            chat = self._chat(params)
            source_chat, source = self._source_message(params, "forward")
            thread_id = self._thread_id(chat, params)
            original = source["message"]
            content = {key: copy.deepcopy(original[key]) for key in CONTENT_KEYS if key in original}
            sender = original.get("from")
            if sender:
                content["forward_origin"] = {"type": "user", "sender_user": copy.deepcopy(sender),
                                             "date": original["date"]}
            else:
                content["forward_origin"] = {"type": "chat", "sender_chat": dict(source_chat), "date": original["date"]}
            self._flood_check(chat)
            record = self._store_bot_message(
                chat, "forwardMessage", content, params=params, thread_id=thread_id, reply_markup=None,
                text=source.get("text"), plain_text=content.get("text"), caption=content.get("caption"),
                forwarded_from=(source_chat["id"], source["message_id"]),
                document_filename=source.get("document_filename"), document_bytes=source.get("document_bytes"),
                entities=content.get("entities", []),
            )
            return copy.deepcopy(record["message"])

    def _api_deletemessage(self, params: dict) -> bool:
        with self._lock:
            chat = self._chat(params)
            record = self._messages.get((chat["id"], params.get("message_id")))
            if record is None or record.get("deleted"):
                raise bad_request("message to delete not found")
            record["deleted"] = True
            return True

