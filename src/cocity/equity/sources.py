"""The one interface through which the other apps feed the equity computation.

Each app that has something to say about who takes part or who is served has a module
``<app>/equity.py`` with one function::

    def equity_counts(*, since: datetime, until: datetime) -> dict:
        return {
            "counts": {"<measure>": {area_id: number}},          # over the window
            "series": {"<measure>": {area_id: {"YYYY-MM": n}}},   # optional, per month
            "histograms": {"<measure>": {area_id: {hours: n}}},   # optional, for medians
            "open": [{"kind", "id", "title", "titles", "opens_at", "closes_at", "area", "link",
                      "participants": {area_id: n}, "unattributed": n}],  # open processes
        }

Apps are looked up in ``SOURCES`` (a new app adds its name); an app that is not installed, or
has no such module, is skipped, so equity works with whatever capabilities a city runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.apps import apps

SOURCES = ["needs", "deliberation", "budgeting", "cocreation", "sensing"]

Source = Callable[..., dict[str, Any]]


def sources() -> list[tuple[str, Source]]:
    found = []
    for label in SOURCES:
        if not apps.is_installed(f"cocity.{label}"):
            continue
        try:
            module = importlib.import_module(f"cocity.{label}.equity")
        except ModuleNotFoundError:
            continue
        func = getattr(module, "equity_counts", None)
        if callable(func):
            found.append((label, func))
    return found


def collect(*, since: datetime, until: datetime) -> dict[str, Any]:
    """Everything the apps contribute, merged: measure names are unique across apps."""
    merged: dict[str, Any] = {"counts": {}, "series": {}, "histograms": {}, "open": []}
    for _label, func in sources():
        part = func(since=since, until=until)
        for key in ("counts", "series", "histograms"):
            merged[key].update(part.get(key) or {})
        merged["open"].extend(part.get("open") or [])
    return merged
