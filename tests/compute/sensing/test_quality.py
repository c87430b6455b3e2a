"""Quality checks and aggregates on synthetic series with faults put in on purpose."""

from __future__ import annotations

import math
import random

import pytest

from cocity.compute.sensing import quality
from cocity.compute.sensing.payloads import PayloadError, parse_json, parse_ultralight

HOUR = 3600.0


def wave(n: int, start: float = 0.0) -> list[tuple[float, float]]:
    """Hourly values that vary like a real day (never twice the same)."""
    return [(start + i * HOUR, 20 + 8 * math.sin(i / 3.8) + (i % 7) * 0.37) for i in range(n)]


def test_a_clean_series_has_no_flags() -> None:
    series = wave(200)
    assert quality.check(series, low=0, high=1000) == [0] * 200


def test_range() -> None:
    series = wave(20)
    series[5] = (series[5][0], -3.0)
    series[9] = (series[9][0], 5000.0)
    flags = quality.check(series, low=0, high=1000)
    assert [i for i, f in enumerate(flags) if f] == [5, 9]
    assert flags[5] == quality.RANGE


def test_stuck_run_is_flagged_whole_but_short_repeats_are_not() -> None:
    series = wave(60)
    for i in range(20, 30):
        series[i] = (series[i][0], 17.0)
    for i in (40, 41, 42):
        series[i] = (series[i][0], 11.0)
    flags = quality.check(series, low=0, high=1000)
    stuck = [i for i, f in enumerate(flags) if f & quality.STUCK]
    assert stuck == list(range(20, 30))


def test_spike() -> None:
    series = wave(100)
    series[50] = (series[50][0], 400.0)
    flags = quality.check(series, low=0, high=1000)
    assert [i for i, f in enumerate(flags) if f] == [50]
    assert quality.flag_names(flags[50]) == ["spike"]


def test_gap_flags_the_first_reading_after_it() -> None:
    series = wave(30) + wave(30, start=40 * HOUR)
    flags = quality.check(series, low=0, high=1000)
    assert [i for i, f in enumerate(flags) if f] == [30]
    assert flags[30] == quality.GAP
    assert quality.is_usable(flags[30])


def test_score_and_aggregate_leave_flagged_readings_out() -> None:
    series = wave(48)
    series[10] = (series[10][0], 9999.0)  # out of range
    del series[30:36]  # six hours missing
    flags = quality.check(series, low=0, high=1000)
    interval = quality.usual_interval(series)
    assert interval == HOUR
    score = quality.quality_score(series, flags, start=0, end=48 * HOUR, interval=interval)
    assert score == pytest.approx(41 / 48)
    days = quality.aggregate(series, flags, size=24 * HOUR, interval=HOUR, start=0, end=48 * HOUR)
    assert [d.count for d in days] == [23, 18]
    assert [d.flagged for d in days] == [1, 0]
    assert days[0].coverage == pytest.approx(23 / 24)
    good = [v for (t, v), f in zip(series, flags, strict=True) if t < 24 * HOUR and not f]
    assert days[0].mean == pytest.approx(sum(good) / len(good))
    assert days[0].high is not None
    assert days[0].high < 1000


def test_empty_bucket() -> None:
    days = quality.aggregate([], [], size=24 * HOUR, interval=HOUR, start=0, end=24 * HOUR)
    assert days[0].mean is None
    assert days[0].coverage == 0


def test_ultralight() -> None:
    m = parse_ultralight("t|2026-01-02T03:04:05Z|pm25|12.5|pm10|20|name|x")
    assert m.values == {"pm25": 12.5, "pm10": 20.0}
    assert m.ignored == {"name": "x"}
    assert m.observed_at is not None
    assert m.observed_at.isoformat() == "2026-01-02T03:04:05+00:00"
    assert parse_ultralight("LAeq|55").observed_at is None


@pytest.mark.parametrize(
    "payload",
    ["", "pm25", "pm25|1|pm10", "t|yesterday|pm25|1", "t|2026-01-02T03:04:05|a|1", "a|1#b|2", "|3"],
)
def test_bad_ultralight(payload: str) -> None:
    with pytest.raises(PayloadError):
        parse_ultralight(payload)


def test_json_payload() -> None:
    m = parse_json('{"t": "2026-01-02T03:04:05+01:00", "LAeq": 61.2, "on": true, "bad": "NaN"}')
    assert m.values == {"LAeq": 61.2}
    assert set(m.ignored) == {"on", "bad"}
    with pytest.raises(PayloadError):
        parse_json("[1]")
    with pytest.raises(PayloadError):
        parse_json("{")


def test_level_shifts_and_busy_hours_are_not_spikes() -> None:
    """Day and night noise levels differ by 12 dB, and traffic makes a sharp morning peak:
    neither is a fault, while one reading that jumps away and back is."""
    rng = random.Random(7)
    noise = [
        (i * HOUR, (62.0 if 7 <= i % 24 <= 22 else 50.0) + rng.gauss(0, 1.5)) for i in range(336)
    ]
    assert quality.check_spikes(noise, 6.0) == [0] * 336
    rush = [
        (i * HOUR, 12 + 14 * math.exp(-(((i % 24) - 8) ** 2) / 6) + rng.gauss(0, 1.2))
        for i in range(336)
    ]
    assert quality.check_spikes(rush, 6.0) == [0] * 336
    rush[40] = (rush[40][0], 95.0)
    assert [i for i, f in enumerate(quality.check_spikes(rush, 6.0)) if f] == [40]
