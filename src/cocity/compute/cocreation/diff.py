"""The difference between two versions of a text, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# a word with the spaces after it, so that joining the pieces gives the text back
_TOKEN = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Segment:
    """A run of text that is ``"same"`` in both versions, ``"added"`` or ``"removed"``."""

    op: str
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``: joining the "same" and "removed" ones gives
    ``old``, the "same" and "added" ones ``new``. Neighbouring segments of one kind are merged."""
    a, b = _tokens(old), _tokens(new)
    # compare words without their trailing spaces, so a moved line break is not a change
    matcher = difflib.SequenceMatcher(a=[t.rstrip() for t in a], b=[t.rstrip() for t in b])
    out: list[Segment] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1].op == op:
            out[-1] = Segment(op, out[-1].text + text)
        else:
            out.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", "".join(b[j1:j2]))
        else:
            add("removed", "".join(a[i1:i2]))
            add("added", "".join(b[j1:j2]))
    return out
