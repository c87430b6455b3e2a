"""The NGSI-LD query language (``q``, ETSI GS CIM 009 §4.9), parsed into a small tree and
evaluated against any attribute lookup.

Supported: ``;`` (and) binding tighter than ``|`` (or), parentheses, ``==``, ``!=``, ``<``,
``<=``, ``>``, ``>=``, values as numbers, ``"strings"``, ``true``/``false``, ISO date-times
(compared as text, which orders them when they share a format), lists ``a,b,c`` (``==`` any of
them, ``!=`` none) and ranges ``a..b`` (inclusive), and a bare attribute name (the attribute
exists). Attribute paths may use dots (``address.streetAddress``). Not supported yet: ``~=``
patterns and ``[...]`` trailing paths; they are refused as malformed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_ATTR = re.compile(r"[A-Za-z_@][A-Za-z0-9_@:#/\-]*(\.[A-Za-z_@][A-Za-z0-9_@:#/\-]*)*")


class QueryError(ValueError):
    """The query is malformed; the message says where."""


@dataclass(frozen=True)
class Range:
    low: Any
    high: Any


@dataclass(frozen=True)
class Term:
    attr: str
    op: str | None = None  # None: the attribute exists
    value: Any = None  # a scalar, a tuple (list) or a Range


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Term | And | Or


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> QueryError:
        return QueryError(f"{why} at position {self.pos} of q")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> Node:
        if not self.text.strip():
            raise QueryError("q is empty")
        node = self.disjunction()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.peek()!r}")
        return node

    def disjunction(self) -> Node:
        parts = [self.conjunction()]
        while self.peek() == "|":
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.factor()]
        while self.peek() == ";":
            self.pos += 1
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def factor(self) -> Node:
        if self.peek() == "(":
            self.pos += 1
            node = self.disjunction()
            if self.peek() != ")":
                raise self.fail("missing ')'")
            self.pos += 1
            return node
        return self.term()

    def term(self) -> Term:
        match = _ATTR.match(self.text, self.pos)
        if not match:
            raise self.fail("expected an attribute name")
        self.pos = match.end()
        attr = match.group(0)
        for op in OPERATORS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return Term(attr, op, self.value_expr(op))
        if self.peek() in ("", ";", "|", ")"):
            return Term(attr)
        raise self.fail(f"unknown operator near {self.text[self.pos : self.pos + 3]!r}")

    def value_expr(self, op: str) -> Any:
        first = self.scalar()
        if self.text.startswith("..", self.pos):
            self.pos += 2
            if op not in ("==", "!="):
                raise self.fail("a range needs == or !=")
            return Range(first, self.scalar())
        if self.peek() == ",":
            if op not in ("==", "!="):
                raise self.fail("a list needs == or !=")
            values = [first]
            while self.peek() == ",":
                self.pos += 1
                values.append(self.scalar())
            return tuple(values)
        return first

    def scalar(self) -> Any:
        if self.peek() == '"':
            end = self.text.find('"', self.pos + 1)
            if end < 0:
                raise self.fail("unterminated string")
            value = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return value
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ';|(),"':
            if self.text.startswith("..", self.pos):
                break
            self.pos += 1
        raw = self.text[start : self.pos]
        if not raw:
            raise self.fail("expected a value")
        if raw in ("true", "false"):
            return raw == "true"
        try:
            return int(raw)
        except ValueError:
            pass
        try:
            return float(raw)
        except ValueError:
            pass
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?", raw):
            return raw  # a date-time, compared as text
        raise self.fail(f"{raw!r} is not a value (quote strings)")


def parse(text: str) -> Node:
    """The tree of ``text``; ``QueryError`` when it is malformed."""
    return _Parser(text).parse()


_MISSING = object()


def _compare(left: Any, op: str, right: Any) -> bool:
    if isinstance(right, Range):
        try:
            inside = bool(right.low <= left <= right.high)
        except TypeError:
            return False
        return inside if op == "==" else not inside
    if isinstance(right, tuple):
        found = any(_equal(left, v) for v in right)
        return found if op == "==" else not found
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    try:
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)
    except TypeError:
        return False


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def evaluate(node: Node, lookup: Callable[[str], Any]) -> bool:
    """Whether an entity matches: ``lookup(attr)`` gives an attribute's value, or ``MISSING``
    (see ``missing``) when the entity has no such attribute (then every comparison is false)."""
    if isinstance(node, And):
        return all(evaluate(part, lookup) for part in node.parts)
    if isinstance(node, Or):
        return any(evaluate(part, lookup) for part in node.parts)
    value = lookup(node.attr)
    if value is _MISSING:
        return False
    if node.op is None:
        return True
    return _compare(value, node.op, node.value)


def missing() -> Any:
    """The marker a lookup returns for an attribute the entity does not have."""
    return _MISSING


def attributes(node: Node) -> set[str]:
    """Every attribute path the query names."""
    if isinstance(node, And | Or):
        return set().union(*(attributes(part) for part in node.parts))
    return {node.attr}
