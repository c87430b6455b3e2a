"""Drift against neighbouring sensors, on synthetic daily means."""

from __future__ import annotations

import math

from cocity.compute.sensing import drift

DAYS = 30
#: five sensors a few hundred metres apart, and one far away
POSITIONS = {
    "a": (40.960, -5.690),
    "b": (40.962, -5.692),
    "c": (40.958, -5.688),
    "d": (40.961, -5.687),
    "e": (40.959, -5.693),
    "far": (41.5, -4.0),
}


def city_day(d: int) -> float:
    """What the whole neighbourhood breathes: weather moves every sensor together."""
    return 14 + 6 * math.sin(d / 2.7) + (d % 4) * 0.8


def series(offset: float = 0.0, noise: int = 0) -> list[float | None]:
    return [city_day(d) + offset + ((d * 7 + noise) % 5 - 2) * 0.3 for d in range(DAYS)]


def test_neighbours_are_the_nearest() -> None:
    near = drift.neighbours(POSITIONS, 2)
    assert near["far"] != []
    assert "far" not in near["a"]
    assert len(near["a"]) == 2


def test_a_sensor_moving_away_from_its_neighbours_drifts() -> None:
    daily = {name: series(noise=i) for i, name in enumerate(POSITIONS)}
    # "b" stands by a road: always 6 higher, which is not drift
    daily["b"] = series(offset=6, noise=9)
    # "c" drifts upwards by 1.5 a day from day 12
    daily["c"] = [
        v + max(0, d - 12) * 1.5 if v is not None else None for d, v in enumerate(series(noise=3))
    ]
    found = drift.drift(daily, POSITIONS, drift.DriftParams(min_offset=5))
    drifting = {
        name: [d for d, m in enumerate(days) if m is not None] for name, days in found.items()
    }
    assert drifting["a"] == drifting["b"] == drifting["d"] == drifting["e"] == []
    assert drifting["c"], "the drifting sensor is caught"
    assert drifting["c"][0] >= 13
    assert drifting["c"] == list(range(drifting["c"][0], DAYS))
    assert found["c"][-1] is not None
    assert found["c"][-1] > 10


def test_missing_days_and_lonely_sensors() -> None:
    daily = {name: series(noise=i) for i, name in enumerate(POSITIONS)}
    daily["a"] = [None] * DAYS
    found = drift.drift(daily, {"a": POSITIONS["a"], "b": POSITIONS["b"]})
    # two sensors: nobody has two neighbours, nothing can be judged
    assert all(m is None for days in found.values() for m in days)
