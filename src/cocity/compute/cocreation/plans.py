"""Co-written plans: a Markdown draft split into sections, a passage replaced in a section's
text, and similar comments grouped so that officials read groups rather than every line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cocity.compute.cocreation.similar import STOP_WORDS
from cocity.compute.cocreation.similar import _words as _accented_words

_WORD = re.compile(r"\w+")

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


def words(text: str) -> frozenset[str]:
    """A text's meaningful words as the similar-idea check reads them (case, accents and common
    words ignored); plain ASCII text skips the accent folding, which gives the same words."""
    if not text.isascii():
        return _accented_words(text)
    return frozenset(w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS)


def best_group(
    bag: frozenset[str],
    leaders: Iterable[tuple[int, frozenset[str]]],
    *,
    threshold: float = 0.3,
) -> int | None:
    """The id of the group whose first text (``leaders``: ``(id, words)``) is most alike to a
    new text's words, the lowest id on a tie, if that similarity is at least ``threshold``;
    None when the text starts a group of its own. Called for each new comment in turn, it
    groups the comments exactly as ``group_similar`` groups them all at once."""
    if not bag:
        return None
    size = len(bag)
    best, best_score = None, 0.0
    for pk, leader in leaders:
        shared = len(bag & leader)
        if not shared:
            continue
        score = shared / (size + len(leader) - shared)
        if score > best_score or (score == best_score and best is not None and pk < best):
            best, best_score = pk, score
    return best if best is not None and best_score >= threshold else None


def label_words(bags: Sequence[frozenset[str]], *, size: int = 4) -> list[str]:
    """The words most of a group's texts (given as their words) share: at most ``size``, most
    frequent first, then alphabetical; a word in only one text counts only for a group of one."""
    return _label(bags, size)


def _group(bags: Sequence[frozenset[str]], threshold: float) -> list[list[int]]:
    leaders: list[tuple[frozenset[str], int]] = []
    groups: list[list[int]] = []
    by_word: dict[str, list[int]] = {}
    for index, bag in enumerate(bags):
        best, best_score = -1, 0.0
        if bag:
            size = len(bag)
            candidates = {g for w in bag for g in by_word.get(w, ())}
            for g in candidates:
                leader, leader_size = leaders[g]
                shared = len(bag & leader)
                score = shared / (size + leader_size - shared)
                if score > best_score or (score == best_score and g < best):
                    best, best_score = g, score
        if best >= 0 and best_score >= threshold:
            groups[best].append(index)
            continue
        leaders.append((bag, len(bag)))
        groups.append([index])
        for w in bag:
            by_word.setdefault(w, []).append(len(groups) - 1)
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def group_similar(texts: Sequence[str], *, threshold: float = 0.3) -> list[list[int]]:
    """Similar texts grouped, as lists of indices into ``texts``.

    Each text's meaningful words (case, accents and common words ignored, as in the
    similar-idea check) are compared by Jaccard similarity with the first text of every group
    so far, in order; a text joins the group whose first text it is most alike (the earliest
    group on a tie), if that similarity is at least ``threshold``, and starts a new group
    otherwise. Texts with no meaningful word are each a group of their own. Groups come
    largest first, then by their first index; indices within a group ascend. The result
    depends only on the order of ``texts``. A word index narrows each comparison to the groups
    sharing at least one word with the text."""
    return _group([words(t) for t in texts], threshold)


def _label(bags: Sequence[frozenset[str]], size: int) -> list[str]:
    counts: dict[str, int] = {}
    for bag in bags:
        for w in bag:
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [w for w, n in ranked[:size] if n > 1 or len(bags) == 1]


def group_label(texts: Sequence[str], *, size: int = 4) -> list[str]:
    """The words most of a group's texts share (at most ``size``, most frequent first, then
    alphabetical): a few words saying what a group is about."""
    return _label([words(t) for t in texts], size)


def group_with_labels(
    texts: Sequence[str], *, threshold: float = 0.3, size: int = 4
) -> list[tuple[list[int], list[str]]]:
    """``group_similar`` and each group's ``group_label``, reading every text's words once."""
    bags = [words(t) for t in texts]
    return [(g, _label([bags[i] for i in g], size)) for g in _group(bags, threshold)]
