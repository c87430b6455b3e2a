"""The translation gate (scripts/check_translations.py) catches a plural entry that lacks one of
Spanish's three forms, which gettext's own tools count as translated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_translations.py"
spec = importlib.util.spec_from_file_location("check_translations", SCRIPT)
assert spec is not None
assert spec.loader is not None
gate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gate)

HEADER = 'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=n == 1 ? 0 : 2;\\n"\n'


def entry(*forms: str) -> str:
    lines = ['msgid "%(n)s idea"', 'msgid_plural "%(n)s ideas"']
    lines += [f'msgstr[{i}] "{text}"' for i, text in enumerate(forms)]
    return "\n".join(lines)


def test_every_form_filled_passes() -> None:
    po = "\n\n".join([HEADER, entry("%(n)s idea", "%(n)s ideas", "%(n)s ideas")])
    assert gate.short_plurals(po) == []


def test_an_empty_or_missing_third_form_is_caught() -> None:
    empty = entry("%(n)s idea", "%(n)s ideas", "")
    missing = entry("%(n)s idea", "%(n)s ideas")
    assert gate.short_plurals("\n\n".join([HEADER, empty, ""])) == ["%(n)s ideas"]
    assert gate.short_plurals("\n\n".join([HEADER, missing])) == ["%(n)s ideas"]


def test_a_form_continued_on_the_next_lines_counts_as_filled() -> None:
    po = "\n\n".join([HEADER, entry("%(n)s idea", "%(n)s ideas", "") + '\n"%(n)s ideas"'])
    assert gate.short_plurals(po) == []


def test_the_committed_catalog_has_every_form() -> None:
    po = SCRIPT.parent.parent / "src/cocity/locale/es/LC_MESSAGES/django.po"
    assert gate.short_plurals(po.read_text(encoding="utf-8")) == []
