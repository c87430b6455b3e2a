"""Equity pages: the city overview with its map, a page per district, the alerts with their
outreach kit. They read the stored snapshot only (the computation runs in the background)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from cocity.core import selectors as core_selectors
from cocity.equity import charts, selectors
from cocity.equity.models import Snapshot
from cocity.equity.tasks import equity_refresh_request


def _num(digits: int) -> Callable[[float | None], str]:
    def fmt(v: float | None) -> str:
        return "—" if v is None else number_format(v, digits, force_grouping=True)

    return fmt


def _pct(v: float | None) -> str:
    """A share in per cent: one decimal, two below 1 % (small shares of a population)."""
    if v is None:
        return "—"
    return number_format(v * 100, 1 if v == 0 or abs(v) >= 0.01 else 2) + " %"


def _hours(v: float | None) -> str:
    if v is None:
        return "—"
    if v >= 48:
        return number_format(v / 24, 1) + " " + str(_("days"))
    return number_format(v, 0) + " h"


# the measures a visitor can map, with how to read them
MEASURES: dict[str, dict[str, Any]] = {
    "reports_per_1000": {
        "label": _("Reports per 1,000 residents"),
        "fmt": _num(1),
        "help": _(
            "Reports filed in the last twelve months for every 1,000 residents. Fewer reports "
            "does not mean fewer problems: in many cities poorer districts report less although "
            "they need more."
        ),
        "reporting": True,
    },
    "open_per_1000": {
        "label": _("Open reports per 1,000 residents"),
        "fmt": _num(1),
        "help": _(
            "Problems reported and not yet solved, per 1,000 residents. It only counts what was "
            "reported: a district that reports less can have more problems than it shows."
        ),
        "reporting": True,
    },
    "median_first_response_h": {
        "label": _("Median time to a first response"),
        "fmt": _hours,
        "help": _(
            "Half of the reports filed in the last twelve months had a first answer from the "
            "city (acknowledged, scheduled or closed) sooner than this."
        ),
    },
    "median_resolution_h": {
        "label": _("Median time to resolution"),
        "fmt": _hours,
        "help": _("Half of the reports closed in the last twelve months took less than this."),
    },
    "in_time_share": {
        "label": _("Resolved within the service level"),
        "fmt": _pct,
        "help": _(
            "Of the reports resolved, the share resolved by the date their category promises."
        ),
    },
    "reporters_share": {
        "label": _("Residents who reported"),
        "fmt": _pct,
        "help": _("People who filed at least one report, as a share of the district's residents."),
        "reporting": True,
    },
    "voters_share": {
        "label": _("Residents who voted in budgets"),
        "fmt": _pct,
        "help": _("Budget voters whose district is known, as a share of residents."),
    },
    "conversation_participants_share": {
        "label": _("Residents in conversations"),
        "fmt": _pct,
        "help": _(
            "People with an account who took part in a conversation, as a share of residents."
        ),
    },
    "pb_money_per_resident": {
        "label": _("Budget money per resident"),
        "fmt": _num(2),
        "help": _(
            "Money of district budget envelopes voted in the last twelve months, per resident."
        ),
    },
    "pb_money_per_low_income_resident": {
        "label": _("Budget money per low-income resident"),
        "fmt": _num(2),
        "help": _("The same money per resident of the lowest income fifth: money against need."),
    },
    "sensors_per_10000": {
        "label": _("Sensors per 10,000 residents"),
        "fmt": _num(1),
        "help": _("Active sensors for every 10,000 residents."),
    },
    "coverage": {
        "label": _("Sensors reporting"),
        "fmt": _pct,
        "help": _("Share of the district's active sensors that sent data in the last day."),
    },
}
DEFAULT_MEASURE = "reports_per_1000"

PARTICIPATION_LABELS = {
    "reporters": _("People who reported"),
    "conversation_participants": _("Conversation participants"),
    "voters": _("Budget voters"),
    "proposal_authors": _("Proposal and idea authors"),
}
NEED_LABELS = {
    "open_per_1000": _("open reports per resident"),
    "low_income_share": _("share of low-income households"),
    "pm25": _("fine-particle pollution (PM2.5)"),
}
BAND_LABELS = {"age_bands": _("Age bands"), "income_quintiles": _("Income fifths (1 = lowest)")}


def _snapshot() -> Snapshot | None:
    snapshot = selectors.snapshot_latest()
    max_age = timedelta(seconds=settings.COCITY_EQUITY_REFRESH_SECONDS)
    if snapshot is None or timezone.now() - snapshot.computed_at > max_age:
        equity_refresh_request()
    return snapshot


def _measure_rows(data: dict[str, Any], measure: str) -> list[dict[str, Any]]:
    fmt = MEASURES[measure]["fmt"]
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "population": _num(0)(r["indicators"]["population"]),
            "value": fmt(r["indicators"].get(measure)),
        }
        for r in data["districts"]
    ]


def _representation_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, part in (data.get("representation") or {}).items():
        dist = part["district"]
        m, ci = dist["measures"], dist["measures_ci"]
        out.append(
            {
                "name": name,
                "label": PARTICIPATION_LABELS.get(name, name),
                "total": dist["total"],
                "measures": [
                    (
                        m.get(k),
                        _pct(m.get(k)) if k in ("tvd", "overlap") else _num(2)(m.get(k)),
                        ci.get(k),
                    )
                    for k in ("min_max", "min_mean", "tvd", "overlap")
                ],
                "ci_text": [
                    "—"
                    if not ci.get(k)
                    else (
                        f"{_pct(ci[k][0])} – {_pct(ci[k][1])}"
                        if k in ("tvd", "overlap")
                        else f"{_num(2)(ci[k][0])} – {_num(2)(ci[k][1])}"
                    )
                    for k in ("min_max", "min_mean", "tvd", "overlap")
                ],
                "bands": [
                    {
                        "label": BAND_LABELS[key],
                        "rows": [
                            {
                                "group": g["group"],
                                "population": _pct(g["population_share"]),
                                "raw": _pct(g["share"]),
                                "raw_ci": f"{_pct(g['share_ci'][0])} – {_pct(g['share_ci'][1])}",
                                "weighted": _pct(w["share"]),
                            }
                            for g, w in zip(
                                part[key]["raw"]["groups"],
                                part[key]["weighted"]["groups"],
                                strict=True,
                            )
                        ],
                        "tvd": _pct(part[key]["raw"]["measures"].get("tvd")),
                    }
                    for key in ("age_bands", "income_quintiles")
                    if key in part
                ],
                "weights": [
                    (code, _num(2)(w)) for code, w in sorted(part.get("weights", {}).items())
                ],
                "uncovered": part.get("uncovered", []),
            }
        )
    return out


def _inequality_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for entry in data.get("inequality", []):
        meta = MEASURES.get(entry["indicator"])
        rows.append(
            {
                "label": meta["label"] if meta else entry["indicator"],
                "gini": _num(3)(entry["gini"]),
                "theil": _num(3)(entry["theil"]),
                "between": _num(3)(entry.get("between")),
                "within": _num(3)(entry.get("within")),
                "concentration": [
                    (NEED_LABELS.get(k, k), _num(3)(v), v)
                    for k, v in entry.get("concentration", {}).items()
                ],
            }
        )
    return rows


def overview(request: HttpRequest) -> HttpResponse:
    snapshot = _snapshot()
    measure = request.GET.get("measure", DEFAULT_MEASURE)
    if measure not in MEASURES:
        measure = DEFAULT_MEASURE
    context: dict[str, Any] = {
        "snapshot": snapshot,
        "measures": [(k, v["label"]) for k, v in MEASURES.items()],
        "measure": measure,
        "meta": MEASURES[measure],
        "alerts": list(selectors.alert_list()[:20]),
    }
    if snapshot is not None:
        data = snapshot.data
        context.update(
            {
                "map": charts.choropleth(data["districts"], measure, MEASURES[measure]["fmt"]),
                "rows": _measure_rows(data, measure),
                "city_value": MEASURES[measure]["fmt"](data["city"].get(measure)),
                "representation": _representation_rows(data),
                "inequality": _inequality_rows(data),
            }
        )
    return render(request, "equity/overview.html", context)


DISTRICT_MEASURES = [
    "reports_per_1000",
    "open_per_1000",
    "median_first_response_h",
    "median_resolution_h",
    "in_time_share",
    "reporters_share",
    "conversation_participants_share",
    "voters_share",
    "pb_money_per_resident",
    "pb_money_per_low_income_resident",
    "sensors_per_10000",
    "coverage",
]


def district(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(core_selectors.districts(), code=code)
    snapshot = _snapshot()
    context: dict[str, Any] = {
        "area": area,
        "snapshot": snapshot,
        "alerts": list(selectors.alert_list(area_id=area.pk)),
    }
    row = selectors.snapshot_district(snapshot, code) if snapshot else None
    if snapshot is not None and row is not None:
        data = snapshot.data
        values = row["indicators"]
        context["indicators"] = [
            {
                "key": k,
                "label": MEASURES[k]["label"],
                "help": MEASURES[k]["help"],
                "value": MEASURES[k]["fmt"](values.get(k)),
                "city": MEASURES[k]["fmt"](data["city"].get(k)),
                "reporting": MEASURES[k].get("reporting", False),
            }
            for k in DISTRICT_MEASURES
        ]
        # who takes part from here against the district's share of the city
        taking_part = []
        for name, part in (data.get("representation") or {}).items():
            groups = {g["group"]: g for g in part["district"]["groups"]}
            g = groups.get(code)
            if g is None:
                continue
            taking_part.append(
                {
                    "label": PARTICIPATION_LABELS.get(name, name),
                    "participants": g["participants"],
                    "share": _pct(g["share"]),
                    "share_ci": f"{_pct(g['share_ci'][0])} – {_pct(g['share_ci'][1])}",
                    "population": _pct(g["population_share"]),
                    "ratio": _num(2)(g["ratio"]),
                    "low": part["district"]["total"] > 0
                    and g["ratio"] < data["settings"]["alert_fraction"],
                    "weight": _num(2)(part.get("weights", {}).get(code)),
                    "raw_share": g["share"],
                    "raw_population": g["population_share"],
                }
            )
        context["taking_part"] = taking_part
        context["bars"] = charts.bars(
            [(tp["label"], tp["raw_share"]) for tp in taking_part],
            _pct,
            marks=[tp["raw_population"] for tp in taking_part],
        )
        months = data.get("months", [])
        series = row["series"]["reports_per_1000"]
        context["series"] = charts.bars(list(zip(months, series, strict=True)), _num(2))
        context["population"] = _num(0)(values["population"])
        context["low_income"] = _pct(values.get("low_income_share"))
    return render(request, "equity/district.html", context)


def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(pk)
    if alert is None:
        raise Http404
    return render(
        request,
        "equity/alert.html",
        {
            "alert": alert,
            "share": _pct(alert.share),
            "population_share": _pct(alert.population_share),
            "projected": _pct(alert.projected_share),
            "threshold": _pct(alert.threshold),
            "base_url": settings.COCITY_BASE_URL,
        },
    )
