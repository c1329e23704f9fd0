"""Opening hours: parsing SUPPORT_HOURS, open or closed at a moment, the next opening, its wording."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.desk.hours import HoursError, OpeningHours, OpeningText, describe_opening, parse_hours

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = "mon-fri 09:00-18:00; sat 09:00-12:00"


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def open_days(hours: OpeningHours, hour: int = 10) -> list[str]:
    """The days of the week of 7-13 December 2026 (Monday to Sunday) on which the team is in at ``hour``."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return [names[offset] for offset in range(7) if hours.is_open(rome(2026, 12, 7 + offset, hour))]


# --- parsing -------------------------------------------------------------------------------------


def test_days_and_ranges_are_read_into_the_week():
    hours = parse_hours(WEEKDAYS)
    assert hours.understood
    assert hours.free_text is None
    assert hours.text == WEEKDAYS
    assert hours.zone == ROME
    assert hours.week == (((540, 1080),),) * 5 + (((540, 720),), ())
    assert hours.closed == frozenset()


def test_a_single_day():
    assert open_days(parse_hours("wed 09:00-18:00")) == ["wed"]


def test_a_day_range():
    assert open_days(parse_hours("tue-thu 09:00-18:00")) == ["tue", "wed", "thu"]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("fri-mon 09:00-18:00", ["mon", "fri", "sat", "sun"]),
        ("sun-tue 09:00-18:00", ["mon", "tue", "sun"]),
        ("sat-sun 09:00-18:00", ["sat", "sun"]),
        ("mon-sun 09:00-18:00", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
        ("tue-mon 09:00-18:00", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    ],
)
def test_a_day_range_wraps_around_the_week(text, days):
    assert open_days(parse_hours(text)) == days


def test_a_list_of_days():
    assert open_days(parse_hours("mon,wed,fri 09:00-13:00")) == ["mon", "wed", "fri"]


def test_a_list_mixing_days_and_ranges():
    assert open_days(parse_hours("mon,thu-fri,sun 09:00-13:00")) == ["mon", "thu", "fri", "sun"]


def test_several_ranges_a_day():
    hours = parse_hours("mon-fri 09:00-13:00,14:00-18:00")
    assert hours.week[0] == ((540, 780), (840, 1080))
    assert hours.is_open(rome(2026, 12, 7, 12, 59))
    assert not hours.is_open(rome(2026, 12, 7, 13, 30))
    assert hours.is_open(rome(2026, 12, 7, 14))


def test_case_and_extra_spaces_do_not_matter():
    messy = parse_hours("  MON - Fri   09:00 - 13:00 ,  14:00-18:00 ;   Sat  09:00-12:00 ; ")
    tidy = parse_hours("mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00")
    assert messy.understood
    assert messy.week == tidy.week


def test_one_digit_hours_are_accepted():
    assert parse_hours("mon 9:00-18:00").week[0] == ((540, 1080),)


def test_24_00_is_allowed_as_an_end():
    hours = parse_hours("mon 20:00-24:00")
    assert hours.week[0] == ((1200, 1440),)
    assert hours.is_open(rome(2026, 12, 7, 23, 59, 59))
    assert not hours.is_open(rome(2026, 12, 8, 0, 0))


def test_overlapping_and_touching_ranges_merge():
    hours = parse_hours("mon 09:00-12:00,11:00-13:00,13:00-14:00,16:00-17:00; mon-tue 10:00-11:00")
    assert hours.week[0] == ((540, 840), (960, 1020))
    assert hours.week[1] == ((600, 660),)


def test_a_range_inside_another_merges_into_it():
    assert parse_hours("mon 09:00-18:00,10:00-11:00").week[0] == ((540, 1080),)


def test_clauses_for_the_same_day_add_up():
    hours = parse_hours("mon-fri 09:00-13:00; mon 15:00-17:00")
    assert hours.week[0] == ((540, 780), (900, 1020))
    assert hours.week[1] == ((540, 780),)


# --- free text and no hours -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "lun-ven 9-18",
        "mon-fri 9-18",
        "Monday to Friday, 9 to 18",
        "mon-fri 09:00-18:00 (CET)",
        "mon-fri",
        "09:00-18:00",
        "mon-fry 09:00-18:00",
        "mon-fri 09:00-18:00; lun-ven 9-18",
        ";",
    ],
)
def test_text_not_in_the_form_is_kept_as_free_text(text):
    hours = parse_hours(text)
    assert not hours.understood
    assert hours.free_text == text
    assert hours.next_opening(utc(2026, 12, 7, 3)) is None
    assert hours.is_open(utc(2026, 12, 7, 3))  # never claims that the team is out


def test_free_text_is_kept_without_surrounding_spaces():
    assert parse_hours("  lun-ven 9-18 \n").free_text == "lun-ven 9-18"


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_hours_set(text):
    hours = parse_hours(text)
    assert not hours.understood
    assert hours.text is None
    assert hours.free_text is None
    assert hours.is_open(utc(2026, 12, 7, 3))
    assert hours.next_opening(utc(2026, 12, 7, 3)) is None


def test_free_text_is_not_checked_for_bad_ranges_elsewhere():
    # One clause in the form with an impossible range, another not in the form: the whole is free text.
    assert parse_hours("mon 22:00-02:00; lun-ven 9-18").free_text == "mon 22:00-02:00; lun-ven 9-18"


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("mon 22:00-02:00", "22:00-02:00"),
        ("mon 18:00-09:00", "18:00-09:00"),
        ("mon 09:00-09:00", "09:00-09:00"),
        ("mon 09:00-25:00", "25:00"),
        ("mon 09:60-18:00", "09:60"),
        ("mon 09:00-24:30", "24:30"),
        ("mon 24:00-24:00", "24:00-24:00"),
        ("mon-fri 09:00-13:00,14:00-12:00", "14:00-12:00"),
    ],
)
def test_an_impossible_range_is_an_error(text, named):
    with pytest.raises(HoursError, match=named):
        parse_hours(text)


def test_overnight_ranges_are_not_supported_and_the_message_says_how_to_split_them():
    with pytest.raises(HoursError, match="overnight"):
        parse_hours("fri 22:00-02:00")


@pytest.mark.parametrize("zone", ["Europe/Roma", "Nowhere", "Europe", "../etc/passwd", "utc+1"])
def test_an_unknown_time_zone_is_an_error_naming_it(zone):
    with pytest.raises(HoursError, match="unknown time zone") as caught:
        parse_hours(WEEKDAYS, zone)
    assert repr(zone) in str(caught.value)


def test_the_time_zone_is_checked_even_without_hours():
    with pytest.raises(HoursError):
        parse_hours(None, "Mars/Olympus")
    with pytest.raises(HoursError):
        parse_hours("lun-ven 9-18", "Mars/Olympus")


def test_an_empty_time_zone_means_the_default():
    assert parse_hours(WEEKDAYS, "").zone == ROME
    assert parse_hours(WEEKDAYS, "  America/New_York ").zone == NEW_YORK


@pytest.mark.parametrize("closed", ["2026-12-32", "25/12/2026", "2026-12-25, christmas", "2026-13-01"])
def test_a_bad_closed_date_is_an_error_naming_it(closed):
    bad = closed.split(", ")[-1]
    with pytest.raises(HoursError, match="bad closed date") as caught:
        parse_hours(WEEKDAYS, closed=closed)
    assert repr(bad) in str(caught.value)


def test_the_errors_are_value_errors():
    assert issubclass(HoursError, ValueError)


@pytest.mark.parametrize("method", ["is_open", "next_opening"])
def test_a_naive_datetime_is_refused(method):
    hours = parse_hours(WEEKDAYS)
    with pytest.raises(ValueError, match="naive"):
        getattr(hours, method)(datetime(2026, 12, 7, 10))
    with pytest.raises(ValueError, match="naive"):
        getattr(parse_hours(None), method)(datetime(2026, 12, 7, 10))


def test_describe_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="naive"):
        describe_opening(datetime(2026, 12, 7, 10), "it")


# --- open or closed -------------------------------------------------------------------------------


def test_the_start_is_inclusive_and_the_end_exclusive():
    hours = parse_hours(WEEKDAYS)
    assert not hours.is_open(rome(2026, 12, 7, 8, 59, 59, 999999))
    assert hours.is_open(rome(2026, 12, 7, 9, 0))
    assert hours.is_open(rome(2026, 12, 7, 17, 59, 59, 999999))
    assert not hours.is_open(rome(2026, 12, 7, 18, 0))
    assert hours.is_open(rome(2026, 12, 12, 11, 59))  # Saturday
    assert not hours.is_open(rome(2026, 12, 12, 12, 0))
    assert not hours.is_open(rome(2026, 12, 13, 10, 0))  # Sunday


def test_the_moment_is_read_in_the_team_zone_whatever_zone_it_comes_in():
    hours = parse_hours(WEEKDAYS)
    # Monday 7 December 2026: Rome is UTC+1 in winter.
    assert not hours.is_open(utc(2026, 12, 7, 7, 59))
    assert hours.is_open(utc(2026, 12, 7, 8, 0))
    assert hours.is_open(datetime(2026, 12, 7, 3, 0, tzinfo=NEW_YORK))  # 09:00 in Rome
    assert not hours.is_open(datetime(2026, 12, 7, 2, 59, tzinfo=NEW_YORK))
    assert hours.is_open(datetime(2026, 12, 7, 15, 59, tzinfo=timezone(timedelta(hours=-1))))  # 17:59 in Rome
    assert not hours.is_open(datetime(2026, 12, 7, 16, 0, tzinfo=timezone(timedelta(hours=-1))))


def test_another_time_zone_with_moments_in_utc():
    hours = parse_hours("mon-fri 09:00-17:00", "America/New_York")
    # Winter: New York is UTC-5, so 09:00-17:00 is 14:00-22:00 UTC.
    assert not hours.is_open(utc(2026, 12, 7, 13, 59))
    assert hours.is_open(utc(2026, 12, 7, 14, 0))
    assert hours.is_open(utc(2026, 12, 7, 21, 59))
    assert not hours.is_open(utc(2026, 12, 7, 22, 0))
    # Friday 22:30 UTC is already closed in New York; Saturday 02:00 UTC is still Friday 21:00 there.
    assert not hours.is_open(utc(2026, 12, 11, 22, 30))
    assert not hours.is_open(utc(2026, 12, 12, 2, 0))
    # Monday 03:00 UTC is Sunday 22:00 in New York: closed, although it is Monday in UTC.
    assert not hours.is_open(utc(2026, 12, 14, 3, 0))
    # Summer: UTC-4.
    assert hours.is_open(utc(2026, 7, 6, 13, 0))
    assert not hours.is_open(utc(2026, 7, 6, 12, 59))


def test_next_opening_in_another_time_zone():
    hours = parse_hours("mon-fri 09:00-17:00", "America/New_York")
    # Friday 11 December, 23:00 UTC = 18:00 in New York: next is Monday 14 December, 09:00 EST.
    found = hours.next_opening(utc(2026, 12, 11, 23))
    assert found == datetime(2026, 12, 14, 9, 0, tzinfo=NEW_YORK)
    assert found.tzinfo == NEW_YORK
    assert found.astimezone(UTC) == utc(2026, 12, 14, 14, 0)
    # Tuesday 8 December, 03:00 UTC is still Monday 22:00 in New York: next is Tuesday 09:00 there.
    assert hours.next_opening(utc(2026, 12, 8, 3)).astimezone(UTC) == utc(2026, 12, 8, 14)
    # US daylight saving starts on Sunday 8 March 2026: Monday 9 March opens at 13:00 UTC.
    assert hours.next_opening(utc(2026, 3, 7, 12)).astimezone(UTC) == utc(2026, 3, 9, 13)
    # And ends on Sunday 1 November 2026: Monday 2 November opens at 14:00 UTC.
    assert hours.next_opening(utc(2026, 10, 31, 12)).astimezone(UTC) == utc(2026, 11, 2, 14)


# --- the next opening -----------------------------------------------------------------------------


def test_next_opening_when_already_open_is_the_moment_itself_in_the_team_zone():
    hours = parse_hours(WEEKDAYS)
    found = hours.next_opening(utc(2026, 12, 7, 10, 30))
    assert found == rome(2026, 12, 7, 11, 30)
    assert found.tzinfo == ROME


def test_next_opening_later_the_same_day():
    hours = parse_hours("mon-fri 09:00-13:00,14:00-18:00")
    assert hours.next_opening(rome(2026, 12, 7, 7, 15)) == rome(2026, 12, 7, 9, 0)
    assert hours.next_opening(rome(2026, 12, 7, 13, 0)) == rome(2026, 12, 7, 14, 0)
    assert hours.next_opening(rome(2026, 12, 7, 13, 59, 59)) == rome(2026, 12, 7, 14, 0)


def test_next_opening_at_the_exact_start_and_end():
    hours = parse_hours(WEEKDAYS)
    assert hours.next_opening(rome(2026, 12, 7, 9, 0)) == rome(2026, 12, 7, 9, 0)
    assert hours.next_opening(rome(2026, 12, 7, 18, 0)) == rome(2026, 12, 8, 9, 0)


def test_next_opening_over_the_weekend():
    hours = parse_hours(WEEKDAYS)
    assert hours.next_opening(rome(2026, 12, 11, 18, 0)) == rome(2026, 12, 12, 9, 0)  # Friday -> Saturday
    assert hours.next_opening(rome(2026, 12, 12, 12, 0)) == rome(2026, 12, 14, 9, 0)  # Saturday -> Monday
    assert hours.next_opening(rome(2026, 12, 13, 23, 59)) == rome(2026, 12, 14, 9, 0)  # Sunday -> Monday


def test_next_opening_a_week_later():
    hours = parse_hours("wed 09:00-10:00")
    assert hours.next_opening(rome(2026, 12, 9, 10, 0)) == rome(2026, 12, 16, 9, 0)


def test_next_opening_after_midnight_with_24_00_and_00_00():
    hours = parse_hours("mon 20:00-24:00; tue 00:00-02:00; tue 09:00-10:00")
    assert hours.next_opening(rome(2026, 12, 7, 23, 30)) == rome(2026, 12, 7, 23, 30)
    assert hours.next_opening(rome(2026, 12, 8, 1, 0)) == rome(2026, 12, 8, 1, 0)
    assert hours.next_opening(rome(2026, 12, 8, 2, 0)) == rome(2026, 12, 8, 9, 0)
    assert hours.next_opening(rome(2026, 12, 7, 19, 0)) == rome(2026, 12, 7, 20, 0)


# --- daylight saving in Rome ----------------------------------------------------------------------


def test_an_opening_after_the_spring_change_is_an_hour_earlier_in_utc():
    hours = parse_hours(WEEKDAYS)
    # Clocks go forward on Sunday 29 March 2026: 09:00 is 08:00 UTC on Friday, 07:00 UTC on Monday.
    friday = hours.next_opening(utc(2026, 3, 27, 6, 0))
    assert friday.astimezone(UTC) == utc(2026, 3, 27, 8, 0)
    monday = hours.next_opening(utc(2026, 3, 28, 12, 0))  # Saturday 13:00 in Rome, closed
    assert monday == rome(2026, 3, 30, 9, 0)
    assert monday.astimezone(UTC) == utc(2026, 3, 30, 7, 0)
    assert monday.utcoffset() == timedelta(hours=2)


def test_an_opening_after_the_autumn_change_is_an_hour_later_in_utc():
    hours = parse_hours(WEEKDAYS)
    # Clocks go back on Sunday 25 October 2026: 09:00 is 07:00 UTC on Friday, 08:00 UTC on Monday.
    friday = hours.next_opening(utc(2026, 10, 23, 5, 0))
    assert friday.astimezone(UTC) == utc(2026, 10, 23, 7, 0)
    monday = hours.next_opening(utc(2026, 10, 24, 12, 0))
    assert monday == rome(2026, 10, 26, 9, 0)
    assert monday.astimezone(UTC) == utc(2026, 10, 26, 8, 0)
    assert monday.utcoffset() == timedelta(hours=1)


def test_is_open_follows_the_wall_clock_across_the_changes():
    hours = parse_hours(WEEKDAYS)
    assert hours.is_open(utc(2026, 3, 30, 7, 0)) and not hours.is_open(utc(2026, 3, 30, 6, 59))
    assert hours.is_open(utc(2026, 3, 27, 8, 0)) and not hours.is_open(utc(2026, 3, 27, 7, 59))
    assert hours.is_open(utc(2026, 10, 26, 8, 0)) and not hours.is_open(utc(2026, 10, 26, 7, 59))
    assert hours.is_open(utc(2026, 3, 30, 15, 59)) and not hours.is_open(utc(2026, 3, 30, 16, 0))


def test_an_opening_on_the_night_of_the_spring_change():
    # 02:30 does not exist on 29 March 2026 in Rome (02:00 jumps to 03:00): the team is in from 03:00.
    hours = parse_hours("sun 02:30-05:00")
    found = hours.next_opening(utc(2026, 3, 28, 12))
    assert found == rome(2026, 3, 29, 3, 0)
    assert found.astimezone(UTC) == utc(2026, 3, 29, 1, 0)
    assert hours.is_open(found)
    assert not hours.is_open(found.astimezone(UTC) - timedelta(microseconds=1))  # 01:59:59.999999 in Rome


def test_a_range_lost_in_the_spring_change_is_skipped():
    # 02:15-02:45 never happens on 29 March 2026: the next one is a week later.
    hours = parse_hours("sun 02:15-02:45")
    assert hours.next_opening(utc(2026, 3, 28, 12)) == rome(2026, 4, 5, 2, 15)


def test_an_opening_on_the_night_of_the_autumn_change():
    # 02:30 happens twice on 25 October 2026 in Rome: first at 00:30 UTC (summer time).
    hours = parse_hours("sun 02:30-05:00")
    found = hours.next_opening(utc(2026, 10, 24, 12))
    assert found.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert found.utcoffset() == timedelta(hours=2)
    # Once the clock is back at 02:00 (01:00 UTC) the wall clock is before 02:30 again: out until
    # 02:30 winter time, 01:30 UTC.
    again = hours.next_opening(utc(2026, 10, 25, 1, 10))
    assert again.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    assert again.utcoffset() == timedelta(hours=1)


def test_a_day_lasts_its_real_length_on_the_change_days():
    hours = parse_hours("sun 00:00-24:00")
    assert hours.is_open(utc(2026, 3, 28, 23, 0)) and not hours.is_open(utc(2026, 3, 28, 22, 59))
    assert hours.is_open(utc(2026, 3, 29, 21, 59)) and not hours.is_open(utc(2026, 3, 29, 22, 0))  # 23 h
    assert hours.is_open(utc(2026, 10, 24, 22, 0)) and not hours.is_open(utc(2026, 10, 24, 21, 59))
    assert hours.is_open(utc(2026, 10, 25, 22, 59)) and not hours.is_open(utc(2026, 10, 25, 23, 0))  # 25 h


# --- closed dates ---------------------------------------------------------------------------------


def test_closed_dates_are_read_comma_or_space_separated():
    expected = frozenset({date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)})
    assert parse_hours(WEEKDAYS, closed="2026-12-25, 2026-12-26,2027-01-01").closed == expected
    assert parse_hours(WEEKDAYS, closed=" 2026-12-25  2026-12-26\n2027-01-01 ").closed == expected
    assert parse_hours(WEEKDAYS, closed="").closed == frozenset()
    assert parse_hours(WEEKDAYS, closed=" , ").closed == frozenset()


def test_a_closed_date_closes_the_whole_local_day():
    hours = parse_hours(WEEKDAYS, closed="2026-12-08")
    assert not hours.is_open(rome(2026, 12, 8, 10, 0))
    assert hours.is_open(rome(2026, 12, 7, 17, 0))
    assert hours.is_open(rome(2026, 12, 9, 9, 0))
    # Tuesday 8 December 10:00 in Rome given in UTC: still the holiday.
    assert not hours.is_open(utc(2026, 12, 8, 9, 0))


def test_the_closed_date_is_a_date_in_the_team_zone():
    hours = parse_hours("mon-fri 00:00-24:00", "America/New_York", closed="2026-12-08")
    # 8 December, 02:00 UTC is still 7 December (21:00) in New York: open.
    assert hours.is_open(utc(2026, 12, 8, 2, 0))
    assert not hours.is_open(utc(2026, 12, 8, 5, 0))
    assert hours.next_opening(utc(2026, 12, 8, 5, 0)).astimezone(UTC) == utc(2026, 12, 9, 5, 0)


def test_next_opening_skips_a_closed_date():
    hours = parse_hours(WEEKDAYS, closed="2026-12-08")
    assert hours.next_opening(rome(2026, 12, 7, 18, 0)) == rome(2026, 12, 9, 9, 0)
    assert hours.next_opening(rome(2026, 12, 8, 7, 0)) == rome(2026, 12, 9, 9, 0)


def test_next_opening_skips_several_closed_dates_in_a_row():
    # Christmas Eve, Christmas, Saint Stephen's (Saturday): from Wednesday evening to Monday.
    hours = parse_hours(WEEKDAYS, closed="2026-12-24 2026-12-25 2026-12-26")
    assert hours.next_opening(rome(2026, 12, 23, 18, 0)) == rome(2026, 12, 28, 9, 0)
    assert not hours.is_open(rome(2026, 12, 26, 10, 0))


def test_closed_dates_do_not_matter_without_understood_hours():
    assert parse_hours("lun-ven 9-18", closed="2026-12-25").is_open(rome(2026, 12, 25, 10))
    assert parse_hours(None, closed="2026-12-25").is_open(rome(2026, 12, 25, 10))


def test_no_opening_within_the_search_window():
    # Every Monday of the coming 400 days closed: nothing to promise.
    mondays = " ".join(str(date(2026, 12, 7) + timedelta(weeks=week)) for week in range(60))
    hours = parse_hours("mon 09:00-18:00", closed=mondays)
    assert hours.next_opening(rome(2026, 12, 7, 8)) is None
    assert not hours.is_open(rome(2026, 12, 7, 10))


def test_the_next_opening_can_be_far_but_within_the_window():
    mondays = " ".join(str(date(2026, 12, 7) + timedelta(weeks=week)) for week in range(50))
    hours = parse_hours("mon 09:00-18:00", closed=mondays)
    assert hours.next_opening(rome(2026, 12, 7, 8)) == rome(2026, 12, 7, 9) + timedelta(weeks=50)


# --- the wording ----------------------------------------------------------------------------------


def test_describe_in_italian_and_english():
    moment = rome(2026, 12, 7, 9, 0)
    assert describe_opening(moment, "it") == OpeningText("lunedì 7 dicembre", "09:00")
    assert describe_opening(moment, "en") == OpeningText("Monday 7 December", "09:00")
    assert describe_opening(moment, "en-GB") == ("Monday 7 December", "09:00")


def test_describe_parts_have_names():
    text = describe_opening(rome(2026, 3, 30, 14, 5), "it")
    assert text.day == "lunedì 30 marzo"
    assert text.time == "14:05"
    assert "{day} alle {time}".format(**text._asdict()) == "lunedì 30 marzo alle 14:05"


def test_describe_tells_the_moment_in_its_own_zone():
    # 23:30 UTC on Sunday is 00:30 on Monday in Rome: the words follow the datetime's zone.
    assert describe_opening(utc(2026, 12, 6, 23, 30), "en") == ("Sunday 6 December", "23:30")
    assert describe_opening(utc(2026, 12, 6, 23, 30).astimezone(ROME), "en") == ("Monday 7 December", "00:30")


def test_describe_a_next_opening():
    hours = parse_hours(WEEKDAYS)
    found = hours.next_opening(utc(2026, 12, 11, 20))  # Friday evening
    assert describe_opening(found, "it") == ("sabato 12 dicembre", "09:00")
