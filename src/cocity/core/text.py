"""Text that every store and format can hold.

PostgreSQL refuses NUL in text, and XML 1.0 cannot carry most other control characters, lone
surrogates or U+FFFE/U+FFFF: one such character in one report would make a whole XML feed
unreadable. Input carrying any of them is refused at the edge (``UnsafeTextMiddleware``) and by
the importers, so nothing stored can break an export later, on either database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# everything XML 1.0 forbids: C0 controls but tab, newline and carriage return; lone surrogates;
# the two non-characters U+FFFE and U+FFFF
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def is_safe(text: str) -> bool:
    """Whether ``text`` can be stored and written to XML as it is."""
    return FORBIDDEN.search(text) is None


def all_safe(texts: Iterable[str]) -> bool:
    return all(FORBIDDEN.search(t) is None for t in texts)


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text and never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (for output of rows stored before the
    input check existed)."""
    return FORBIDDEN.sub("", text)
