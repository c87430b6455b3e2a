"""The similar-idea warning: how alike two short texts are, on their words."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
# words that say nothing about an idea, in the site's two languages
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "to",
        "we",
        "with",
        "al",
        "con",
        "de",
        "del",
        "el",
        "en",
        "es",
        "la",
        "las",
        "lo",
        "los",
        "para",
        "por",
        "que",
        "se",
        "su",
        "sus",
        "un",
        "una",
        "uno",
        "y",
    }
)


def _words(text: str) -> frozenset[str]:
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return frozenset(w for w in _WORD.findall(plain) if w not in STOP_WORDS and len(w) > 1)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' meaningful words (case and accents ignored): 1.0 for
    the same words, 0.0 for none in common or an empty text."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def similar_items(
    title: str,
    body: str,
    candidates: Iterable[tuple[int, str, str]],
    *,
    threshold: float = 0.4,
    limit: int = 5,
) -> list[tuple[int, float]]:
    """The candidates ``(id, title, body)`` alike enough to the new idea, best first, as
    ``(id, score)``. The score is the higher of the titles' similarity and the whole texts'."""
    scored: list[tuple[int, float]] = []
    for pk, other_title, other_body in candidates:
        score = max(
            similarity(title, other_title),
            similarity(f"{title} {body}", f"{other_title} {other_body}"),
        )
        if score >= threshold:
            scored.append((pk, round(score, 3)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]


def meaningful_words(text: str) -> frozenset[str]:
    """The words the similarity counts: case and accents folded, common words left out."""
    return _words(text)


def min_shared_words(words: int, threshold: float = 0.4) -> int:
    """The fewest words a text of ``words`` meaningful words must share with another for their
    similarity to reach ``threshold`` (Jaccard ≥ t needs shared ≥ t·|union| ≥ t·words): an exact
    prefilter, no similar text is missed."""
    if words <= 0:
        return 1
    return max(1, math.ceil(threshold * words - 1e-9))


def prefix_words(
    words: Iterable[str], df: dict[str, int], need: int, budget: int
) -> tuple[list[str], int]:
    """Which of a new idea's words to look up in the word index, and how many of them a
    candidate must hold: ``(lookup, m)``.

    A text holding at least ``need`` of the idea's n words holds at least m of any
    n − need + m of them. The rarest n − need + 1 (m = 1) are the classic prefix filter; each
    further word (a commoner one) raises m by one and so cuts the candidates, as long as the
    postings read (``df``, how many texts hold each word) stay within ``budget``. Words no text
    holds are left out of the lookup but still counted among the n: exact, no text holding
    ``need`` of the words is missed."""
    ranked = sorted(set(words), key=lambda w: (df.get(w, 0), w))
    size, m = max(0, len(ranked) - need + 1), 1
    read = sum(df.get(w, 0) for w in ranked[:size])
    while m < need and size < len(ranked):
        more = df.get(ranked[size], 0)
        if read + more > budget:
            break
        read += more
        size += 1
        m += 1
    return [w for w in ranked[:size] if df.get(w, 0) > 0], m
