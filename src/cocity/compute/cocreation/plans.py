"""Co-written plans: a Markdown draft split into sections, a passage replaced in a section's
text, and similar comments grouped so that officials read groups rather than every line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cocity.compute.cocreation.similar import _words as words

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")


@dataclass(frozen=True)
class Section:
    """A heading and the text under it (up to the next heading of any level)."""

    heading: str
    body: str
    level: int = 1


def split_markdown(text: str) -> tuple[str, list[Section]]:
    """The text before the first heading (the introduction) and the sections: every ATX heading
    (``#`` to ``######``) outside a fenced code block starts one. Bodies keep their Markdown,
    without the blank lines around them."""
    intro: list[str] = []
    sections: list[tuple[str, int, list[str]]] = []
    fenced = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(line.strip()):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            sections.append((match.group(2).strip(), len(match.group(1)), []))
        elif sections:
            sections[-1][2].append(line)
        else:
            intro.append(line)
    return "\n".join(intro).strip(), [
        Section(heading, "\n".join(lines).strip(), level) for heading, level, lines in sections
    ]


def join_markdown(title: str, intro: str, sections: Sequence[Section]) -> str:
    """The plan as one Markdown document: the title as a level-1 heading, the introduction, then
    each section under a heading of its level (at least 2, below the title)."""
    parts = [f"# {title}"]
    if intro:
        parts.append(intro)
    for section in sections:
        parts.append(f"{'#' * max(2, section.level)} {section.heading}")
        if section.body:
            parts.append(section.body)
    return "\n\n".join(parts) + "\n"


def locate_passage(text: str, passage: str, hint: int | None = None) -> int:
    """Where ``passage`` starts in ``text``: at ``hint`` if it is there, otherwise its first
    occurrence; -1 when it is not in the text (or is empty)."""
    if not passage:
        return -1
    if hint is not None and hint >= 0 and text[hint : hint + len(passage)] == passage:
        return hint
    return text.find(passage)


def replace_passage(text: str, passage: str, replacement: str, hint: int | None = None) -> str:
    """``text`` with ``passage`` (found as ``locate_passage`` does) replaced; an empty passage
    replaces the whole text. Raises ``ValueError`` if the passage is not in the text."""
    if not passage:
        return replacement
    start = locate_passage(text, passage, hint)
    if start < 0:
        raise ValueError("passage not found")
    return text[:start] + replacement + text[start + len(passage) :]


def group_similar(texts: Sequence[str], *, threshold: float = 0.3) -> list[list[int]]:
    """Similar texts grouped, as lists of indices into ``texts``.

    Each text's meaningful words (case, accents and common words ignored, as in the
    similar-idea check) are compared by Jaccard similarity with the first text of every group
    so far, in order; a text joins the group whose first text it is most alike, if that
    similarity is at least ``threshold``, and starts a new group otherwise. Texts with no
    meaningful word are each a group of their own. Groups come largest first, then by their
    first index; indices within a group ascend. The result depends only on the order of
    ``texts``. To keep the work bounded, a word index narrows each comparison to the groups
    sharing at least one word with the text."""
    leaders: list[frozenset[str]] = []
    groups: list[list[int]] = []
    by_word: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        bag = words(text)
        best, best_score = -1, 0.0
        if bag:
            candidates = {g for w in bag for g in by_word.get(w, ())}
            for g in sorted(candidates):
                leader = leaders[g]
                score = len(bag & leader) / len(bag | leader)
                if score > best_score:
                    best, best_score = g, score
        if best >= 0 and best_score >= threshold:
            groups[best].append(index)
            continue
        leaders.append(bag)
        groups.append([index])
        for w in bag:
            by_word.setdefault(w, []).append(len(groups) - 1)
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def group_label(texts: Sequence[str], *, size: int = 4) -> list[str]:
    """The words most of a group's texts share (at most ``size``, most frequent first, then
    alphabetical): a few words saying what a group is about."""
    counts: dict[str, int] = {}
    for text in texts:
        for w in words(text):
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [w for w, n in ranked[:size] if n > 1 or len(texts) == 1]
