"""Allocation of an oversubscribed offering: equal split, then a lottery with a published seed."""

from __future__ import annotations

import hashlib

from cocity.compute.invest.offering import allocate


def test_requests_that_fit_are_all_met() -> None:
    result = allocate(20, {"a": 5, "b": 12}, seed="s", cap_per_person=10)
    assert result.units == {"a": 5, "b": 10}  # b is capped at 10 per person
    assert not result.oversubscribed


def test_equal_split_up_to_each_request() -> None:
    # 10 units; asked 5, 1, 5, 3: everyone gets up to 3, which uses exactly 10
    result = allocate(10, {"a": 5, "b": 1, "c": 5, "d": 3}, seed="s")
    assert result.units == {"a": 3, "b": 1, "c": 3, "d": 3}
    assert result.level == 3
    assert result.lottery == []


def test_the_lottery_gives_the_remainder_by_the_published_seed() -> None:
    requests = {str(n): 4 for n in range(1, 5)}
    result = allocate(10, requests, seed="solar-2026")
    assert result.level == 2
    assert sum(result.units.values()) == 10
    order = sorted(requests, key=lambda r: hashlib.sha256(f"solar-2026:{r}".encode()).hexdigest())
    assert result.lottery == order[:2]
    assert {r for r, n in result.units.items() if n == 3} == set(order[:2])
    # another seed, another draw; the same seed, the same draw
    assert allocate(10, requests, seed="solar-2026").units == result.units
    draws = {tuple(allocate(10, requests, seed=f"s{i}").lottery) for i in range(20)}
    assert len(draws) > 1


def test_nobody_gets_more_than_asked_or_less_than_the_level() -> None:
    requests = {f"r{i}": (i % 7) + 1 for i in range(50)}
    result = allocate(100, requests, seed="x")
    assert sum(result.units.values()) == 100
    for rid, asked in requests.items():
        assert min(asked, result.level) <= result.units[rid] <= asked
