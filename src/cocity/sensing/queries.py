"""NGSI-LD entity queries (``q``, ``attrs``, ``georel``) as database filters on sensors, so a
query over tens of thousands of sensors reads only the ones that can match.

Each function returns a filter that every matching sensor passes (``None``: it cannot narrow,
everything passes). The exact answer is still decided by evaluating the query on the rendered
entities (``ngsi._query``), so a filter here may let through more than matches but never less;
when nothing is left to decide (no ``q``, ``attrs``, ``idPattern`` or ``georel``), the database
also counts and pages."""

from __future__ import annotations

import math
import re
from typing import Any

from django.db.models import Q

from cocity.compute.sensing import q as qlang
from cocity.compute.sensing.quantities import QUANTITIES

#: attributes cocity computes when it renders a sensor (not stored under their names)
COMPUTED = frozenset(
    {"id", "type", "name", "location", "areaServed", "reliability", "dateObserved"}
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOKUPS = {"==": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
METRES_PER_DEGREE = 111_320.0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _field(attr: str) -> tuple[str, str] | None:
    """(JSON field, key) of an attribute's stored form, None for computed ones."""
    if attr in COMPUTED or not _NAME.fullmatch(attr):
        return None
    return ("quantities", attr) if attr in QUANTITIES else ("attrs", attr)


def _path(attr_path: str) -> str | None:
    """The lookup path of ``pm25`` (its value) or ``pm25.observedAt`` (a sub-attribute)."""
    head, *rest = attr_path.split(".")
    where = _field(head)
    if where is None or len(rest) > 1 or (rest and not _NAME.fullmatch(rest[0])):
        return None
    field, key = where
    return f"{field}__{key}__{rest[0] if rest else 'value'}"


def _term(term: qlang.Term) -> Q | None:
    head = term.attr.split(".")[0]
    where = _field(head)
    if where is None:
        return None
    exists = Q(**{f"{where[0]}__has_key": where[1]})
    if term.op is None:
        return exists if "." not in term.attr else None
    path = _path(term.attr)
    if path is None:
        return None
    value = term.value
    if isinstance(value, qlang.Range):
        if not (_number(value.low) and _number(value.high)):
            return None
        inside = Q(**{f"{path}__gte": value.low, f"{path}__lte": value.high})
        return inside if term.op == "==" else exists & ~inside
    if isinstance(value, tuple):
        if not value or not all(_number(v) for v in value):
            return None
        anyof = Q()
        for v in value:
            anyof |= Q(**{path: v})
        return anyof if term.op == "==" else exists & ~anyof
    if not _number(value):
        return None  # text, booleans, date-times: decided on the entities
    if term.op == "!=":
        return exists & ~Q(**{path: value})
    return Q(**{f"{path}__{_LOOKUPS[term.op]}": value})


def q_filter(node: qlang.Node) -> Q | None:
    """A filter every sensor matching ``node`` passes."""
    if isinstance(node, qlang.Term):
        return _term(node)
    parts = [q_filter(part) for part in node.parts]
    if isinstance(node, qlang.And):
        known = [p for p in parts if p is not None]
        if not known:
            return None
        out = known[0]
        for p in known[1:]:
            out &= p
        return out
    either = Q()
    for part in parts:
        if part is None:
            return None  # one branch of the "or" cannot be narrowed: neither can the whole
        either |= part
    return either


def attrs_filter(attrs: list[str]) -> Q | None:
    """Sensors having at least one of ``attrs``."""
    out = Q()
    for attr in attrs:
        where = _field(attr)
        if where is None:
            return None
        out |= Q(**{f"{where[0]}__has_key": where[1]})
    return out


def box_filter(south: float, west: float, north: float, east: float) -> Q:
    return Q(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)


def near_filter(lat: float, lon: float, metres: float) -> Q:
    """The box around a circle of ``metres`` (the exact distance is checked after)."""
    dlat = metres / METRES_PER_DEGREE * 1.01
    dlon = metres / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat)))) * 1.01
    return box_filter(lat - dlat, lon - dlon, lat + dlat, lon + dlon)
