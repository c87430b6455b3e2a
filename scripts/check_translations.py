"""Translation gate: the Spanish catalog has every message of the code, none empty or fuzzy,
and the committed .mo matches the .po. Leaves the tree as it found it."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "cocity"
LOCALE = PKG / "locale"
LANGUAGE = "es"


def short_plurals(po: str) -> list[str]:
    """The msgid_plural of each entry that has fewer non-empty forms than the catalog's
    ``nplurals`` (Spanish has three); msgattrib and msgfmt count such entries as translated."""
    found = re.search(r"nplurals=(\d+)", po)
    needed = int(found.group(1)) if found else 2
    short = []
    for block in po.split("\n\n"):
        plural = re.search(r'^msgid_plural "(.*)"', block, re.MULTILINE)
        if plural is None or block.lstrip().startswith("#~"):
            continue
        # each form's text: its first line and its continuation lines, joined
        forms = re.findall(r'^msgstr\[\d+\] "(.*)"\n((?:".*"\n)*)', block + "\n", re.MULTILINE)
        filled = [first + rest for first, rest in forms if (first + rest).strip('"\n ')]
        if len(filled) < needed:
            short.append(plural.group(1))
    return short


def main() -> int:
    if shutil.which("msgfmt") is None:
        if os.environ.get("CI") == "true":
            print("gettext is missing under CI", file=sys.stderr)
            return 1
        print("skipped: gettext (msgfmt) is not installed")
        return 0
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "cocity"
        shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "makemessages",
                "-l",
                LANGUAGE,
                "--no-obsolete",
                "--no-location",
                "--ignore",
                "compute/*",
            ],
            cwd=copy,
            check=True,
            capture_output=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "cocity.settings"},
        )
        po = copy / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
        untranslated = subprocess.run(
            ["msgattrib", "--untranslated", "--no-obsolete", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        fuzzy = subprocess.run(
            ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for name, text in (("untranslated", untranslated), ("fuzzy", fuzzy)):
            entries = [
                b for b in text.split("\n\n") if "msgid" in b and 'msgid ""\nmsgstr ""\n"' not in b
            ]
            if entries:
                failures.append(
                    f"{len(entries)} {name} entries in the {LANGUAGE} catalog:\n"
                    + "\n\n".join(entries[:20])
                )
        short = short_plurals(po.read_text(encoding="utf-8"))
        if short:
            failures.append(
                f"{len(short)} plural entries of the {LANGUAGE} catalog lack a form "
                "(gettext's tools count them as translated):\n" + "\n".join(short[:20])
            )
        committed = LOCALE / LANGUAGE / "LC_MESSAGES"
        mo = Path(tmp) / "check.mo"
        subprocess.run(["msgfmt", "-o", str(mo), str(committed / "django.po")], check=True)
        if not (committed / "django.mo").exists() or not filecmp.cmp(
            mo, committed / "django.mo", shallow=False
        ):
            failures.append("django.mo is stale: run compilemessages (docs/translating.md, step 3)")
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        print(
            "Update the catalog as docs/translating.md says: makemessages, translate the new and "
            "fuzzy entries with any gettext tool, compilemessages.",
            file=sys.stderr,
        )
        return 1
    print(f"{LANGUAGE} catalog complete")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
