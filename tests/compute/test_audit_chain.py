from __future__ import annotations

from cocity.compute.audit import GENESIS, entry_hash, verify_chain


def build(n: int) -> list[tuple[int, str, str, dict[str, object]]]:
    rows = []
    prev = GENESIS
    for i in range(n):
        payload = {"action": "x", "n": i, "text": "niño"}
        h = entry_hash(prev, payload)
        rows.append((i + 1, prev, h, payload))
        prev = h
    return rows


def test_intact_chain_verifies() -> None:
    assert verify_chain(build(5)) is None
    assert verify_chain([]) is None


def test_altered_content_is_reported_at_that_entry() -> None:
    rows = build(5)
    entry_id, prev, h, payload = rows[2]
    rows[2] = (entry_id, prev, h, {**payload, "n": 99})
    broken = verify_chain(rows)
    assert broken is not None
    assert broken.entry_id == 3
    assert broken.position == 2
    assert "altered" in broken.reason


def test_removed_entry_breaks_the_next_link() -> None:
    rows = build(5)
    del rows[1]
    broken = verify_chain(rows)
    assert broken is not None
    assert broken.entry_id == 3
    assert "previous-hash" in broken.reason


def test_hash_depends_on_previous_hash() -> None:
    assert entry_hash(GENESIS, {"a": 1}) != entry_hash("f" * 64, {"a": 1})
    assert entry_hash(GENESIS, {"a": 1, "b": 2}) == entry_hash(GENESIS, {"b": 2, "a": 1})
