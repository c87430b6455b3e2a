"""The pure parts of co-written plans: Markdown into sections and back, passages replaced, and
similar comments grouped."""

from __future__ import annotations

import pytest

from cocity.compute.cocreation.plans import (
    Section,
    group_label,
    group_similar,
    join_markdown,
    locate_passage,
    replace_passage,
    split_markdown,
)

DRAFT = """Why this plan.

# Mobility 2030

A city where walking comes first.

## Walking

Wider pavements on the main streets.

### Crossings ###

```
# a comment in code, not a heading
```
Safe crossings at every school.
#not-a-heading
"""


def test_headings_split_sections_outside_code_blocks() -> None:
    intro, sections = split_markdown(DRAFT)
    assert intro == "Why this plan."
    assert [(s.heading, s.level) for s in sections] == [
        ("Mobility 2030", 1),
        ("Walking", 2),
        ("Crossings", 3),
    ]
    assert sections[1].body == "Wider pavements on the main streets."
    assert sections[2].body.startswith("```\n# a comment in code")
    assert sections[2].body.endswith("#not-a-heading")


def test_no_heading_means_no_section() -> None:
    assert split_markdown("just text\r\nmore") == ("just text\nmore", [])


def test_joined_markdown_splits_back_to_the_same_sections() -> None:
    sections = [Section("Walking", "Wider pavements.", 2), Section("Cycling", "", 3)]
    text = join_markdown("Mobility", "Intro.", sections)
    assert text == "# Mobility\n\nIntro.\n\n## Walking\n\nWider pavements.\n\n### Cycling\n"
    _intro, back = split_markdown(text)
    assert back[1:] == sections
    assert back[0].heading == "Mobility"
    assert back[0].body == "Intro."


def test_passage_found_at_its_offset_else_first_occurrence() -> None:
    text = "trees here, trees there"
    assert locate_passage(text, "trees", 12) == 12
    assert locate_passage(text, "trees", 3) == 0
    assert locate_passage(text, "bushes") == -1
    assert locate_passage(text, "") == -1
    assert replace_passage(text, "trees", "oaks", 12) == "trees here, oaks there"
    assert replace_passage(text, "", "all new") == "all new"
    with pytest.raises(ValueError, match="passage not found"):
        replace_passage(text, "bushes", "x")


def test_similar_comments_are_grouped_largest_first() -> None:
    comments = [
        "More trees on the main street, please",  # 0
        "Buses every ten minutes at night",  # 1
        "Plant more trees on the main street",  # 2
        "Más árboles en la calle mayor",  # 3
        "the main street needs trees",  # 4
        "buses at night every ten minutes would help",  # 5
        "!!!",  # 6: no meaningful word
        "mas arboles calle mayor",  # 7: accents and case ignored
    ]
    groups = group_similar(comments, threshold=0.3)
    assert groups == [[0, 2, 4], [1, 5], [3, 7], [6]]
    assert sorted(i for g in groups for i in g) == list(range(len(comments)))
    assert group_label([comments[i] for i in groups[0]])[:3] == ["main", "street", "trees"]


def test_a_higher_threshold_splits_groups() -> None:
    comments = ["trees main street", "trees main square", "trees park"]
    assert group_similar(comments, threshold=0.5) == [[0, 1], [2]]
    assert group_similar(comments, threshold=0.9) == [[0], [1], [2]]
    assert group_similar([]) == []


def test_plain_ascii_words_match_the_accent_folding_check() -> None:
    from cocity.compute.cocreation.plans import group_with_labels, words
    from cocity.compute.cocreation.similar import _words

    for text in ("More TREES on the main street!", "Más árboles", "a b c", ""):
        assert words(text) == _words(text)
    texts = ["shade at bus stops", "bus stops need shade", "fix the lamps"]
    assert group_with_labels(texts) == [
        (group, group_label([texts[i] for i in group])) for group in group_similar(texts)
    ]
    assert group_with_labels(texts)[0] == ([0, 1], ["bus", "shade", "stops"])


def test_grouping_one_comment_at_a_time_gives_the_same_groups() -> None:
    import random

    from cocity.compute.cocreation.plans import best_group, words

    rng = random.Random(4)
    vocabulary = ["trees", "shade", "bus", "stops", "water", "parks", "lamps", "night", "school"]
    texts = [" ".join(rng.sample(vocabulary, rng.randint(0, 4))) for _ in range(300)]
    leaders: list[tuple[int, frozenset[str]]] = []
    joined: dict[int, list[int]] = {}
    for i, text in enumerate(texts):
        bag = words(text)
        group = best_group(bag, leaders, threshold=0.3)
        if group is None:
            leaders.append((i, bag))
            group = i
        joined.setdefault(group, []).append(i)
    assert sorted(joined.values(), key=lambda g: (-len(g), g[0])) == group_similar(texts)
    assert best_group(frozenset(), leaders) is None
