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
    return _Parser(source).parse()


class _Parser:
    """One pass over the source: the visible text so far (and its length in UTF-16 units), the open tags,
    the entities of the tags closed."""

    def __init__(self, source: str):
        self.source, self.i, self.n = source, 0, len(source)
        self.out: list[str] = []
        self.units = 0
        self.entities: list[dict] = []
        self.stack: list[dict] = []

    def offset(self, position: int) -> int:
        return len(self.source[:position].encode("utf-8", "surrogatepass"))

    def parse(self) -> tuple[str, list[dict]]:
        while self.i < self.n:
            char = self.source[self.i]
            if char not in "<&":
                self.text()
            elif char == "&":
                self.entity()
            elif self.source.startswith("</", self.i):
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1]["name"]}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.out), self.entities

    def visible(self, text: str) -> None:
        self.out.append(text)
        self.units += utf16_length(text)

    def text(self) -> None:
        j = self.i
        while j < self.n and self.source[j] not in "<&":
            j += 1
        self.visible(self.source[self.i:j])
        self.i = j

    def entity(self) -> None:
        match = _ENTITY_RE.match(self.source, self.i)
        if not match:
            raise HtmlError(f"Unescaped '&' at byte offset {self.offset(self.i)}: write it as &amp;")
        value = _decode_entity(match.group(1))
        if value is None:
            raise HtmlError(f'Unsupported HTML entity "{match.group(0)}" at byte offset {self.offset(self.i)}')
        self.visible(value)
        self.i = match.end()

    def end_tag(self) -> None:
        start = self.i
        end = self.source.find(">", start)
        if end == -1:
            raise HtmlError(f"Unclosed end tag at byte offset {self.offset(start)}")
        name = self.source[start + 2 : end].strip().lower()
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {self.offset(start)}")
        top = self.stack.pop()
        if name != top["name"]:
            raise HtmlError(
                f'Unmatched end tag at byte offset {self.offset(start)}, expected "</{top["name"]}>", '
                f'found "</{name}>"'
            )
        _close_tag(top, self.units, self.entities, self.stack)
        self.i = end + 1

    def start_tag(self) -> None:
        start = self.i
        match = _TAG_NAME_RE.match(self.source, start + 1)
        name = match.group(0).lower() if match else ""
        if match is None or name not in _TAG_ENTITY:
            raise HtmlError(f'Unsupported start tag "{name}" at byte offset {self.offset(start)}')
        self.i = match.end()
        attributes: dict[str, str] = {}
        while not self.tag_ends(start):
            attribute, value = self.attribute(name, start)
            attributes[attribute] = value
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {self.offset(start)}')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlError(f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {self.offset(start)}')
        self.stack.append({"name": name, "attributes": attributes, "start": self.units})

    def skip_spaces(self) -> None:
        while self.i < self.n and self.source[self.i].isspace():
            self.i += 1

    def tag_ends(self, start: int) -> bool:
        """Past the spaces: whether the start tag ends here (then steps over its ``>``)."""
        self.skip_spaces()
        if self.i >= self.n:
            raise HtmlError(f"Unclosed start tag at byte offset {self.offset(start)}")
        if self.source[self.i] == ">":
            self.i += 1
            return True
        return False

    def attribute(self, name: str, start: int) -> tuple[str, str]:
        match = _ATTR_NAME_RE.match(self.source, self.i)
        if not match:
            raise HtmlError(f'Unexpected character in the tag "{name}" at byte offset {self.offset(self.i)}')
        attribute = match.group(0).lower()
        self.i = match.end()
        self.skip_spaces()
        value = ""
        if self.i < self.n and self.source[self.i] == "=":
            self.i += 1
            self.skip_spaces()
            value = self.value(start)
        if attribute not in _TAG_ATTRIBUTES.get(name, ()):
            raise HtmlError(
                f'Unsupported attribute "{attribute}" in the tag "{name}" at byte offset {self.offset(start)}'
            )
        return attribute, value

    def value(self, start: int) -> str:
        if self.i >= self.n:
            raise HtmlError(f"Unclosed start tag at byte offset {self.offset(start)}")
        quote = self.source[self.i]
        if quote in "\"'":
            close = self.source.find(quote, self.i + 1)
            if close == -1:
                raise HtmlError(f"Unclosed start tag at byte offset {self.offset(start)}")
            value = html.unescape(self.source[self.i + 1 : close])
            self.i = close + 1
            return value
        match = _UNQUOTED_VALUE_RE.match(self.source, self.i)
        assert match is not None  # matches the empty string at worst
        self.i = match.end()
        return html.unescape(match.group(0))


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


