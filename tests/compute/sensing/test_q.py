"""The NGSI-LD q language: parsing and matching."""

from __future__ import annotations

from typing import Any

import pytest

from cocity.compute.sensing import q


def matches(query: str, entity: dict[str, Any]) -> bool:
    return q.evaluate(q.parse(query), lambda name: entity.get(name, q.missing()))


AIR = {
    "pm25": 18.5,
    "pm10": 30,
    "name": "Plaza",
    "active": True,
    "dateObserved": "2026-01-02T10:00:00Z",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pm25>15", True),
        ("pm25>=18.5", True),
        ("pm25<18.5", False),
        ("pm25<=18.5", True),
        ("pm25==18.5", True),
        ("pm25!=18.5", False),
        ('name=="Plaza"', True),
        ('name!="Plaza"', False),
        ("pm25==10..20", True),
        ("pm25==19..20", False),
        ("pm25!=19..20", True),
        ("pm10==10,30,50", True),
        ("pm10!=10,30,50", False),
        ("pm25>15;pm10<20", False),
        ("pm25>15|pm10<20", True),
        ('pm25<15;pm10<20|name=="Plaza"', True),  # ; binds tighter than |
        ('pm25<15;(pm10<20|name=="Plaza")', False),
        ("active==true", True),
        ("active==false", False),
        ("pm25", True),
        ("no2", False),
        ("no2<100", False),  # a missing attribute matches no comparison
        ("no2!=100", False),
        ("dateObserved>2026-01-01T00:00:00Z", True),
        ("dateObserved==2026-01-01T00:00:00Z..2026-01-02T00:00:00Z", False),
        ("name>5", False),  # text against a number: no match, no error
    ],
)
def test_matching(query: str, expected: bool) -> None:
    assert matches(query, AIR) is expected


@pytest.mark.parametrize(
    "query",
    [
        "",
        "pm25>",
        "pm25=>3",
        "(pm25>3",
        "pm25>3)",
        "pm25>3;",
        ">3",
        "name==Plaza",
        'name=="x',
        "pm25<1..3",
        "pm25>1,2",
        "pm25~=x",
    ],
)
def test_malformed_queries_are_refused(query: str) -> None:
    with pytest.raises(q.QueryError):
        q.parse(query)


def test_the_tree_names_its_attributes() -> None:
    assert q.attributes(q.parse("a>1;(b==2|c.d)")) == {"a", "b", "c.d"}
