"""Delivery policy rules (pure): send windows across DST, closed dates, backlog spread, urgent
bypass, send_at limits, caps and appointment times."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.orchestration.policy import (
    Cap,
    Due,
    PolicyError,
    Window,
    appointment_time,
    cap_decision,
    due_time,
    effective_send_at,
    format_hours,
    opening_phrase,
    parse_caps,
    parse_clock,
    parse_hours,
    parse_spanish_date,
    parse_until,
)

SANTIAGO = ZoneInfo("America/Santiago")
GUAYAQUIL = ZoneInfo("America/Guayaquil")
OFFICE = parse_hours({d: ["08:00-19:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["08:00-13:00"]})


def local(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(timezone.utc)


def test_hours_round_trip_and_refuse_bad_ranges():
    assert format_hours(OFFICE)["sat"] == ["08:00-13:00"]
    for bad in ({"lun": ["08:00-19:00"]}, {"mon": ["19:00-08:00"]}, {"mon": ["8-19"]},
                {"mon": ["08:00-12:00", "11:00-13:00"]}):
        with pytest.raises(PolicyError):
            parse_hours(bad)


def test_message_at_22_40_waits_for_08_00_next_morning():
    window = Window(GUAYAQUIL, OFFICE)
    opening = window.next_opening(local(GUAYAQUIL, 2026, 1, 20, 22, 40))  # a Tuesday
    assert opening.astimezone(GUAYAQUIL) == datetime(2026, 1, 21, 8, 0, tzinfo=GUAYAQUIL)


def test_opening_after_dst_starts_keeps_local_08_00_and_moves_utc():
    # Chile moves to summer time on Sunday 2026-09-06 (00:00 -> 01:00, UTC-4 -> UTC-3).
    window = Window(SANTIAGO, OFFICE)
    friday_night = local(SANTIAGO, 2026, 9, 4, 22, 40)  # UTC-4
    opening = window.next_opening(friday_night)
    assert opening.astimezone(SANTIAGO).replace(tzinfo=None) == datetime(2026, 9, 5, 8, 0)  # Saturday, still -4
    monday = window.next_opening(local(SANTIAGO, 2026, 9, 5, 13, 30))
    assert monday.astimezone(SANTIAGO).replace(tzinfo=None) == datetime(2026, 9, 7, 8, 0)
    assert monday == datetime(2026, 9, 7, 11, 0, tzinfo=timezone.utc)  # 08:00 at UTC-3
    assert opening == datetime(2026, 9, 5, 12, 0, tzinfo=timezone.utc)  # 08:00 at UTC-4


def test_opening_after_dst_ends_keeps_local_08_00():
    # Chile goes back to UTC-4 on Sunday 2026-04-05 (00:00 -> 23:00 of Saturday).
    window = Window(SANTIAGO, OFFICE)
    monday = window.next_opening(local(SANTIAGO, 2026, 4, 4, 20, 0))
    assert monday == datetime(2026, 4, 6, 12, 0, tzinfo=timezone.utc)


def test_window_opening_at_a_skipped_midnight_opens_after_the_gap():
    window = Window(SANTIAGO, parse_hours({"sun": ["00:00-02:00"]}))
    opening = window.next_opening(local(SANTIAGO, 2026, 9, 5, 20, 0))
    assert opening == datetime(2026, 9, 6, 4, 0, tzinfo=timezone.utc)  # 01:00 UTC-3, the first real minute
    assert window.is_open(opening)


def test_closed_date_is_skipped():
    window = Window(GUAYAQUIL, OFFICE, frozenset({date(2026, 1, 21)}))
    opening = window.next_opening(local(GUAYAQUIL, 2026, 1, 20, 22, 40))
    assert opening.astimezone(GUAYAQUIL) == datetime(2026, 1, 22, 8, 0, tzinfo=GUAYAQUIL)


def test_closed_date_without_weekly_hours_closes_that_day_only():
    window = Window(GUAYAQUIL, None, frozenset({date(2026, 12, 25)}))
    assert window.next_opening(local(GUAYAQUIL, 2026, 12, 25, 10, 0)) == local(GUAYAQUIL, 2026, 12, 26, 0, 0)
    assert window.is_open(local(GUAYAQUIL, 2026, 12, 24, 23, 0))


def test_backlog_is_spread_at_the_rate_and_carries_over_when_the_window_closes():
    window = Window(GUAYAQUIL, parse_hours({"mon": ["08:00-09:00"], "tue": ["08:00-09:00"]}))
    opening = local(GUAYAQUIL, 2026, 1, 19, 8, 0)
    assert window.slot(opening, 0, 1) == opening
    assert window.slot(opening, 59, 1) == local(GUAYAQUIL, 2026, 1, 19, 8, 59)
    assert window.slot(opening, 60, 1) == local(GUAYAQUIL, 2026, 1, 20, 8, 0)  # the window closed mid-backlog
    assert window.slot(opening, 70, 1) == local(GUAYAQUIL, 2026, 1, 20, 8, 10)
    assert window.slot(opening, 30, 120) == opening + timedelta(seconds=15)


def test_urgent_messages_skip_the_window():
    window = Window(GUAYAQUIL, OFFICE)
    now = local(GUAYAQUIL, 2026, 1, 20, 22, 40)
    assert due_time(now, None, window, urgent=True).at == now
    deferred = due_time(now, None, window, urgent=False)
    assert deferred.hold == "window" and deferred.at == local(GUAYAQUIL, 2026, 1, 21, 8, 0)


def test_urgent_until_21_00_goes_now_at_20_30_outside_the_window():
    window = Window(GUAYAQUIL, OFFICE)
    now = local(GUAYAQUIL, 2026, 1, 20, 20, 30)  # Tuesday, window 08:00-19:00
    assert due_time(now, None, window, urgent=True, urgent_until=21 * 60) == Due(now, "")


def test_urgent_until_21_00_at_22_40_waits_for_the_next_opening():
    window = Window(GUAYAQUIL, OFFICE)
    due = due_time(local(GUAYAQUIL, 2026, 1, 20, 22, 40), None, window, urgent=True, urgent_until=21 * 60)
    assert due.hold == "window"
    assert due.at.astimezone(GUAYAQUIL) == datetime(2026, 1, 21, 8, 0, tzinfo=GUAYAQUIL)


def test_urgent_until_does_not_open_before_the_days_opening():
    window = Window(GUAYAQUIL, OFFICE)
    due = due_time(local(GUAYAQUIL, 2026, 1, 21, 6, 0), None, window, urgent=True, urgent_until=21 * 60)
    assert due.at.astimezone(GUAYAQUIL) == datetime(2026, 1, 21, 8, 0, tzinfo=GUAYAQUIL) and due.hold == "window"


def test_urgent_until_does_not_open_a_closed_day():
    window = Window(GUAYAQUIL, OFFICE)
    due = due_time(local(GUAYAQUIL, 2026, 1, 25, 10, 0), None, window, urgent=True, urgent_until=21 * 60)  # Sunday
    assert due.at.astimezone(GUAYAQUIL) == datetime(2026, 1, 26, 8, 0, tzinfo=GUAYAQUIL)


def test_urgent_without_until_skips_the_window_at_any_hour():
    window = Window(GUAYAQUIL, OFFICE)
    for hour in (3, 22):
        now = local(GUAYAQUIL, 2026, 1, 25, hour, 40)  # a Sunday, closed all day
        assert due_time(now, None, window, urgent=True, urgent_until=None) == Due(now, "")


def test_urgent_until_is_local_across_dst_in_santiago():
    # Saturday 2026-09-05 (UTC-4; summer time starts that night): window 08:00-13:00, urgent until 21:00.
    window = Window(SANTIAGO, OFFICE)
    before = local(SANTIAGO, 2026, 9, 5, 20, 59)
    assert due_time(before, None, window, urgent=True, urgent_until=21 * 60).at == before
    due = due_time(local(SANTIAGO, 2026, 9, 5, 21, 0), None, window, urgent=True, urgent_until=21 * 60)
    assert due.at == datetime(2026, 9, 7, 11, 0, tzinfo=timezone.utc)  # Monday 08:00 at UTC-3
    # Saturday 2026-04-04 (UTC-3; winter time starts that night): 20:30 local is 23:30 UTC.
    april = local(SANTIAGO, 2026, 4, 4, 20, 30)
    assert april == datetime(2026, 4, 4, 23, 30, tzinfo=timezone.utc)
    assert due_time(april, None, window, urgent=True, urgent_until=21 * 60).at == april


def test_urgent_until_times_are_validated():
    assert parse_until("21:00") == 21 * 60 and parse_until("") is None and parse_until(None) is None
    for bad in ("25:00", "21", "9pm", 21):
        with pytest.raises(PolicyError) as err:
            parse_until(bad, "phases.0.until")
        assert err.value.field == "phases.0.until"


def test_send_at_inside_the_window_is_kept_and_outside_it_moves_to_the_opening():
    window = Window(GUAYAQUIL, OFFICE)
    now = local(GUAYAQUIL, 2026, 1, 20, 9, 0)
    at_ten = local(GUAYAQUIL, 2026, 1, 20, 10, 0)
    assert due_time(now, at_ten, window, False) == due_time(now, at_ten, None, False)
    assert due_time(now, at_ten, window, False).hold == "send_at"
    night = local(GUAYAQUIL, 2026, 1, 20, 21, 0)
    assert due_time(now, night, window, False).at == local(GUAYAQUIL, 2026, 1, 21, 8, 0)


def test_send_at_within_a_minute_is_now_and_too_far_is_refused():
    now = datetime(2026, 1, 20, 12, 0, tzinfo=timezone.utc)
    assert effective_send_at(now + timedelta(seconds=50), now, 90) is None
    assert effective_send_at(now - timedelta(days=1), now, 90) is None
    assert effective_send_at(now + timedelta(hours=2), now, 90) == now + timedelta(hours=2)
    with pytest.raises(PolicyError) as err:
        effective_send_at(now + timedelta(days=91), now, 90)
    assert err.value.field == "send_at"


def test_cap_allows_n_per_rolling_window_then_names_when():
    now = datetime(2026, 1, 20, 12, 0, tzinfo=timezone.utc)
    cap = Cap(2, 3600)
    sent = [now - timedelta(minutes=50), now - timedelta(minutes=10)]
    assert cap_decision(sent[:1], cap, now) is None
    assert cap_decision(sent, cap, now) == now + timedelta(minutes=10)
    assert cap_decision([now - timedelta(minutes=70), *sent[1:]], cap, now) is None
    assert parse_caps("whatsapp=5/60,email=10/60") == {"whatsapp": Cap(5, 3600), "email": Cap(10, 3600)}


def test_reference_spanish_date_and_time_are_read():
    assert parse_spanish_date("20 de Enero, 2026") == date(2026, 1, 20)
    assert parse_spanish_date("3 de septiembre de 2026") == date(2026, 9, 3)
    assert parse_spanish_date("20/01/2026") == date(2026, 1, 20)
    assert parse_spanish_date("mañana") is None
    assert parse_clock("14:30") == time(14, 30) and parse_clock("2:30 pm") == time(14, 30)
    assert appointment_time({"fecha": "20 de Enero, 2026", "hora": "14:30"}, GUAYAQUIL) == \
        datetime(2026, 1, 20, 19, 30, tzinfo=timezone.utc)
    assert appointment_time({"appointment_at": "2026-01-20T14:30:00-05:00"}, SANTIAGO) == \
        datetime(2026, 1, 20, 19, 30, tzinfo=timezone.utc)
    assert appointment_time({"fecha": "pronto"}, GUAYAQUIL) is None


def test_preview_phrase_in_spanish():
    now = local(GUAYAQUIL, 2026, 1, 23, 22, 40)  # a Friday
    assert opening_phrase(local(GUAYAQUIL, 2026, 1, 26, 8, 0), now, GUAYAQUIL) == "el lunes 08:00"
    assert opening_phrase(local(GUAYAQUIL, 2026, 1, 24, 8, 0), now, GUAYAQUIL) == "mañana 08:00"
    assert opening_phrase(now, now, GUAYAQUIL) == "ahora"
