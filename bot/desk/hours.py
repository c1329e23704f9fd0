"""The support team's opening hours: when a person can answer, and when they will next be in.

``SUPPORT_HOURS`` is read as clauses separated by ``;``, each a set of days and one or more time ranges::

    mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00
    mon,wed,fri 09:00-13:00; fri-mon 10:00-24:00

Days are English three-letter names (``mon`` .. ``sun``), alone, as ranges (``mon-fri``, wrapping
around the week as in ``fri-mon``) or in comma lists; times are ``H:MM`` or ``HH:MM`` on the 24-hour
clock, a range including its start and excluding its end; ``24:00`` is allowed as an end. Case and
extra spaces do not matter. Ranges of the same day that overlap or touch are merged.

Overnight ranges are not supported: a range ends on the day it starts, so ``22:00-02:00`` is an
:class:`HoursError`; write ``mon 22:00-24:00; tue 00:00-02:00`` instead. Times out of the clock
(``25:00``, ``09:60``, a start at ``24:00``) and a range whose end is not after its start are
errors too: they are typos in a value written in the form above.

Text not in that form at all (the old free-text value, e.g. ``lun-ven 9-18``) is kept as it is: the
result is not ``understood``, and callers show the text and never claim that the team is in or out.

Times are wall-clock times in the team's zone (``SUPPORT_TIMEZONE``, an IANA name, default
``Europe/Rome``), so an opening at 09:00 stays at 09:00 local across daylight-saving changes; an
opening at a wall time the spring change skips (02:30 in Rome) happens when the clock jumps past it,
and in the hour repeated in autumn the wall clock is followed both times. Dates in ``SUPPORT_CLOSED``
(ISO, comma or space separated) close the whole local day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

DEFAULT_TIMEZONE = "Europe/Rome"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 400  # how far ahead next_opening looks
MINUTES_PER_DAY = 24 * 60

_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)"
_DAY_ITEM = rf"{_DAY}(?:-{_DAY})?"
_TIME = r"\d{1,2}:\d{2}"
_RANGE = rf"{_TIME}-{_TIME}"
_CLAUSE = re.compile(rf"({_DAY_ITEM}(?:,{_DAY_ITEM})*) ({_RANGE}(?:,{_RANGE})*)")

Range = tuple[int, int]  # minutes from local midnight: start included, end excluded


class HoursError(ValueError):
    """A support-hours setting that cannot be used: bad time zone, holiday date or time range."""


class OpeningText(NamedTuple):
    """A moment told to a customer: the day (``lunedì 7 dicembre``) and the time (``09:00``)."""

    day: str
    time: str


@dataclass(frozen=True)
class OpeningHours:
    """The team's week, its time zone and its closed dates.

    ``understood`` is False both when no hours are set (``text`` is None: always reachable, nothing to
    say) and when the text is not in the structured form (``free_text`` holds it, to show as it is).
    ``week`` has one tuple of merged, sorted ranges per weekday, Monday first.
    """

    text: str | None
    understood: bool
    zone: ZoneInfo
    week: tuple[tuple[Range, ...], ...] = ((),) * 7
    closed: frozenset[date] = frozenset()

    @property
    def free_text(self) -> str | None:
        """The configured text when it is not understood, to be shown as it is; else None."""
        return None if self.understood else self.text

    def is_open(self, at: datetime) -> bool:
        """Whether the team is in at ``at`` (aware). True unless understood hours say it is closed."""
        local = _aware(at).astimezone(self.zone)
        if not self.understood:
            return True
        if local.date() in self.closed:
            return False
        seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(start * 60 <= seconds < end * 60 for start, end in self.week[local.weekday()])

    def next_opening(self, at: datetime) -> datetime | None:
        """The first moment from ``at`` (aware) on when the team is in, in the team's zone.

        ``at`` itself (converted) when the team is in already; None when the hours are not set or
        not understood, or when no opening falls in the next :data:`SEARCH_DAYS` days.
        """
        at = _aware(at)
        if not self.understood:
            return None
        if self.is_open(at):
            return at.astimezone(self.zone)
        moment = at.astimezone(UTC)
        first_day = moment.astimezone(self.zone).date()
        for offset in range(SEARCH_DAYS + 1):
            day = first_day + timedelta(days=offset)
            if day in self.closed:
                continue
            candidates = [
                instant
                for start, _ in self.week[day.weekday()]
                for instant in _instants(day, start, self.zone)
                if instant >= moment and self.is_open(instant)
            ]
            if candidates:
                return min(candidates).astimezone(self.zone)
        return None


def parse_hours(text: str | None, timezone: str = DEFAULT_TIMEZONE, closed: str | None = None) -> OpeningHours:
    """Read ``SUPPORT_HOURS``, ``SUPPORT_TIMEZONE`` and ``SUPPORT_CLOSED`` (see the module's docstring).

    An empty ``timezone`` means the default zone. Raises :class:`HoursError` for an unknown time zone,
    a bad closed date, or a time range in the structured form that is impossible. Free text and an
    empty value are not errors; the zone and the closed dates are checked in every case.
    """
    zone = _zone(timezone)
    closed_dates = _closed_dates(closed)
    text = text.strip() if text else None
    if not text:
        return OpeningHours(None, False, zone, closed=closed_dates)
    clauses = _clauses(text)
    if clauses is None:
        return OpeningHours(text, False, zone, closed=closed_dates)
    week: list[list[Range]] = [[] for _ in DAYS]
    for days, ranges in clauses:
        for day in days:
            week[day].extend(ranges)
    return OpeningHours(text, True, zone, tuple(_merge(ranges) for ranges in week), closed_dates)


def describe_opening(at: datetime, lang: str) -> OpeningText:
    """``at`` (aware, told in its own zone) in language ``lang`` (``it``, ``en``, ``en_GB``...).

    The caller joins the parts with its own translated template ("{day} at {time}"), so no word of any
    language is written here. An unknown language raises babel's ``UnknownLocaleError``.
    """
    at = _aware(at)
    locale = lang.replace("-", "_")
    return OpeningText(
        format_datetime(at, "EEEE d MMMM", tzinfo=at.tzinfo, locale=locale),
        format_datetime(at, "HH:mm", tzinfo=at.tzinfo, locale=locale),
    )


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a time zone is needed: {at.isoformat()} is a naive datetime")
    return at


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip() or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise HoursError(f"unknown time zone {name!r}: expected an IANA name such as 'Europe/Rome'") from exc


def _closed_dates(text: str | None) -> frozenset[date]:
    dates = set()
    for item in re.split(r"[\s,]+", text or ""):
        if not item:
            continue
        try:
            dates.add(date.fromisoformat(item))
        except ValueError as exc:
            raise HoursError(f"bad closed date {item!r}: expected an ISO date such as 2026-12-25") from exc
    return frozenset(dates)


def _clauses(text: str) -> list[tuple[list[int], list[Range]]] | None:
    """The clauses of structured hours, or None when the text is not in that form."""
    matches: list[re.Match[str]] = []
    for raw in text.lower().split(";"):
        clause = re.sub(r"\s*([-,:])\s*", r"\1", " ".join(raw.split()))
        if not clause:
            continue
        match = _CLAUSE.fullmatch(clause)
        if match is None:
            return None
        matches.append(match)
    return [(_days(match[1]), [_range(item) for item in match[2].split(",")]) for match in matches] or None


def _days(text: str) -> list[int]:
    return [day for item in text.split(",") for day in _day_span(item)]


def _day_span(item: str) -> list[int]:
    first, _, last = item.partition("-")
    start = DAYS.index(first)
    end = DAYS.index(last) if last else start
    return [(start + step) % 7 for step in range((end - start) % 7 + 1)]


def _range(item: str) -> Range:
    start_text, end_text = item.split("-")
    start, end = _minutes(start_text), _minutes(end_text)
    if start >= MINUTES_PER_DAY:
        raise HoursError(f"bad time range {item!r}: a range cannot start at 24:00")
    if end <= start:
        raise HoursError(
            f"bad time range {item!r}: the end must be after the start (overnight ranges are not supported; "
            "split them at midnight, e.g. 'mon 22:00-24:00; tue 00:00-02:00')"
        )
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise HoursError(f"bad time {text!r}: expected 00:00 to 23:59, or 24:00 as an end")
    return hours * 60 + minutes


def _merge(ranges: list[Range]) -> tuple[Range, ...]:
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _instants(day: date, minutes: int, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the wall clock in ``zone`` reads ``minutes`` past midnight of ``day``.

    Two in the repeated hour of a fall-back change. When the wall time is skipped (spring forward),
    the moment the clock jumps past it: the first instant whose wall time is later.
    """
    wall = datetime.combine(day, time(minutes // 60, minutes % 60))
    folds = sorted({wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)})
    found = [instant for instant in folds if instant.astimezone(zone).replace(tzinfo=None) == wall]
    if found:
        return found
    low, high = folds[0], folds[-1]  # wall time before the gap, after the gap
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return [high]
