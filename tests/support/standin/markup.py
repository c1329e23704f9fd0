"""Telegram HTML as the Bot API parses it: visible text and entities, or the error it answers."""

from __future__ import annotations

import html
import re
from typing import Any


class HtmlError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_TAG_ATTRIBUTES = {
    "a": {"href"}, "span": {"class"}, "code": {"class"}, "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_:-]+")
_UNQUOTED_VALUE_RE = re.compile(r"[^\s>]*")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]*);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML like the Bot API: return (visible text, entities) or raise HtmlError.

    Allowed: b strong i em u ins s strike del span(class="tg-spoiler") tg-spoiler a(href) code
    pre blockquote(expandable) tg-emoji(emoji-id); entities &lt; &gt; &amp; &quot; and numeric.
    A bare ``<`` or ``&``, an unknown tag or attribute, an unclosed or mismatched tag is an error.
    """

    def offset(position: int) -> int:
        return len(source[:position].encode("utf-8", "surrogatepass"))

    out: list[str] = []
    units = 0
    entities: list[dict] = []
    stack: list[dict] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char not in "<&":
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            out.append(source[i:j])
            units += utf16_length(source[i:j])
            i = j
            continue
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            if not match:
                raise HtmlError(f"Unescaped '&' at byte offset {offset(i)}: write it as &amp;")
            value = _decode_entity(match.group(1))
            if value is None:
                raise HtmlError(f'Unsupported HTML entity "{match.group(0)}" at byte offset {offset(i)}')
            out.append(value)
            units += utf16_length(value)
            i = match.end()
            continue
        start = i
        if source.startswith("</", i):
            end = source.find(">", i)
            if end == -1:
                raise HtmlError(f"Unclosed end tag at byte offset {offset(start)}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {offset(start)}")
            top = stack.pop()
            if name != top["name"]:
                raise HtmlError(
                    f'Unmatched end tag at byte offset {offset(start)}, expected "</{top["name"]}>", '
                    f'found "</{name}>"'
                )
            _close_tag(top, units, entities, stack)
            i = end + 1
            continue
        match = _TAG_NAME_RE.match(source, i + 1)
        name = match.group(0).lower() if match else ""
        if name not in _TAG_ENTITY:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {offset(start)}')
        i = match.end()
        attributes: dict[str, str] = {}
        while True:
            while i < n and source[i].isspace():
                i += 1
            if i >= n:
                raise HtmlError(f"Unclosed start tag at byte offset {offset(start)}")
            if source[i] == ">":
                i += 1
                break
            attr_match = _ATTR_NAME_RE.match(source, i)
            if not attr_match:
                raise HtmlError(f'Unexpected character in the tag "{name}" at byte offset {offset(i)}')
            attribute = attr_match.group(0).lower()
            i = attr_match.end()
            while i < n and source[i].isspace():
                i += 1
            value = ""
            if i < n and source[i] == "=":
                i += 1
                while i < n and source[i].isspace():
                    i += 1
                if i >= n:
                    raise HtmlError(f"Unclosed start tag at byte offset {offset(start)}")
                if source[i] in "\"'":
                    close = source.find(source[i], i + 1)
                    if close == -1:
                        raise HtmlError(f"Unclosed start tag at byte offset {offset(start)}")
                    value = html.unescape(source[i + 1 : close])
                    i = close + 1
                else:
                    value_match = _UNQUOTED_VALUE_RE.match(source, i)
                    value = html.unescape(value_match.group(0))
                    i = value_match.end()
            if attribute not in _TAG_ATTRIBUTES.get(name, ()):
                raise HtmlError(
                    f'Unsupported attribute "{attribute}" in the tag "{name}" at byte offset {offset(start)}'
                )
            attributes[attribute] = value
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset(start)}')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlError(f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {offset(start)}')
        stack.append({"name": name, "attributes": attributes, "start": units})
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["name"]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _decode_entity(body: str) -> str | None:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED_ENTITIES.get(body)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _close_tag(tag: dict, end: int, entities: list[dict], stack: list[dict]) -> None:
    name, attributes, start = tag["name"], tag["attributes"], tag["start"]
    if name == "code" and stack and stack[-1]["name"] == "pre":
        language = attributes.get("class", "")
        if language.startswith("language-"):
            stack[-1]["language"] = language[len("language-") :]
            return
    if end <= start:
        return
    entity: dict[str, Any] = {"type": _TAG_ENTITY[name], "offset": start, "length": end - start}
    if name == "a":
        if not attributes.get("href"):
            return
        entity["url"] = attributes["href"]
    elif name == "pre" and tag.get("language"):
        entity["language"] = tag["language"]
    elif name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attributes["emoji-id"]
    entities.append(entity)


def trim_entities(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip surrounding whitespace as Telegram does, moving the entities along."""
    left = utf16_length(text[: len(text) - len(text.lstrip())])
    trimmed = text.strip()
    size = utf16_length(trimmed)
    kept = []
    for entity in entities:
        begin = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, size)
        if end > begin:
            kept.append({**entity, "offset": begin, "length": end - begin})
    return trimmed, kept


