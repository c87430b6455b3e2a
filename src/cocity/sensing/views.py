"""Public pages: the sensors on a map, a sensor's readings and flags, a district's air and noise
by day with coverage. Server-rendered; no JavaScript needed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cocity.compute.sensing.quantities import QUANTITIES
from cocity.core import selectors as core_selectors
from cocity.core.errors import DomainError
from cocity.core.models import User
from cocity.needs import selectors as needs_selectors
from cocity.sensing import charts, selectors, services
from cocity.sensing.forms import AttachEvidenceForm, ConfirmEvidenceForm, KeyForm, UploadForm
from cocity.sensing.labels import flag_reasons, quantity_label
from cocity.sensing.models import Sensor

CHART_DAYS = 7
DISTRICT_DAYS = 14


def _latest(sensors: list[Sensor]) -> datetime:
    """The time of the newest reading (pages show the days up to it), else now."""
    times = [q["observedAt"] for s in sensors for q in s.quantities.values()]
    if not times:
        return timezone.now()
    return datetime.fromisoformat(max(times).replace("Z", "+00:00"))


def _day_after(when: datetime) -> datetime:
    local = timezone.localtime(when).replace(hour=0, minute=0, second=0, microsecond=0)
    return local + timedelta(days=1)


def sensor_list(request: HttpRequest) -> HttpResponse:
    sensors = list(selectors.sensor_list())
    districts = list(needs_selectors.district_choices().values("code", "name", "boundary"))
    rows = [
        (
            s,
            [
                (quantity_label(n), q["value"], q["unitCode"])
                for n, q in sorted(s.quantities.items())
            ],
        )
        for s in sensors
    ]
    return render(
        request,
        "sensing/sensor_list.html",
        {"rows": rows, "map": charts.sensor_map(sensors, districts), "districts": districts},
    )


def sensor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sensor = selectors.sensor_get_by_pk(pk)
    if sensor is None:
        raise Http404
    names = [name for name in QUANTITIES if name in sensor.quantities]  # the registry's order
    quantity = request.GET.get("quantity") or (names[0] if names else "")
    if names and quantity not in names:
        raise Http404
    end = _day_after(_latest([sensor]))
    start = end - timedelta(days=CHART_DAYS)
    rows = (
        selectors.readings(sensor=sensor, quantities=[quantity], start=start, end=end).get(
            quantity, []
        )
        if quantity
        else []
    )
    flagged = [(r, flag_reasons(r.flags)) for r in rows if r.flags]
    days = (
        selectors.sensor_daily(sensor=sensor, quantity=quantity, start=start, days=CHART_DAYS)
        if quantity
        else []
    )
    return render(
        request,
        "sensing/sensor_detail.html",
        {
            "sensor": sensor,
            "quantity": quantity,
            "quantity_name": quantity_label(quantity),
            "unit": QUANTITIES[quantity].unit if quantity in QUANTITIES else "",
            "choices": [(n, quantity_label(n)) for n in names],
            "chart": charts.time_chart(rows, start=start, end=end),
            "readings": [(r, flag_reasons(r.flags)) for r in rows],
            "flagged": flagged,
            "days": days,
            "start": start,
            "end": end,
        },
    )


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(core_selectors.area_list(), code=code)
    sensors = list(selectors.sensor_list().filter(area=area))
    end = _day_after(_latest(sensors))
    start = end - timedelta(days=DISTRICT_DAYS)
    tables = [
        (
            quantity_label(q),
            selectors.area_daily(area=area, quantity=q, start=start, days=DISTRICT_DAYS),
        )
        for q in selectors.area_quantities(area)
    ]
    return render(
        request,
        "sensing/area_detail.html",
        {
            "area": area,
            "sensors": sensors,
            "tables": tables,
            "start": start,
            "end": end,
            "evidence": selectors.evidence_for_area(area),
        },
    )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """A data steward's CSV/JSON upload: every line checked, nothing stored unless all are right."""
    if not request.user.has_perm("sensing.upload_readings"):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    line_errors: list[tuple[str, list[str]]] = []
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            result = services.readings_upload(
                data=upload_file.read(),
                name=upload_file.name,
                actor=cast(User, request.user),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            line_errors = list(exc.fields.items())
        else:
            messages.success(
                request,
                _(
                    "%(rows)s readings accepted for %(sensors)s sensors; %(new)s were new "
                    "(the others were stored already)."
                )
                % {"rows": result.rows, "sensors": result.sensors, "new": result.new},
            )
            return redirect("sensing:upload")
    return render(request, "sensing/upload.html", {"form": form, "line_errors": line_errors})


@login_required
def keys(request: HttpRequest) -> HttpResponse:
    """Sensor keys for data providers: the keys issued so far (their first characters only) and
    a form to issue one, shown once, like ``cocity sensors create-key``."""
    if not request.user.has_perm("sensing.issue_keys"):
        raise PermissionDenied
    form = KeyForm(request.POST or None)
    issued = ""
    if request.method == "POST" and form.is_valid():
        try:
            _row, issued = services.sensor_key_create(
                name=form.cleaned_data["name"],
                may_register=form.cleaned_data["may_register"],
                actor=cast(User, request.user),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            form = KeyForm()
    status = 400 if request.method == "POST" and not issued else 200
    return render(
        request,
        "sensing/keys.html",
        {"form": form, "issued": issued, "keys": selectors.sensor_keys()},
        status=status,
    )


@login_required
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a sensor key: a page asks to confirm (GET), the form's POST revokes it."""
    if not request.user.has_perm("sensing.issue_keys"):
        raise PermissionDenied
    key = selectors.sensor_key(pk)
    if key is None:
        raise Http404
    if request.method == "POST":
        if services.sensor_key_revoke(key=key, actor=cast(User, request.user)):
            messages.success(
                request,
                _("The key for “%(name)s” is revoked: its devices can no longer send readings.")
                % {"name": key.name},
            )
        return redirect("sensing:keys")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "sensing/key_revoke.html", {"key": key})


def _require_steward(request: HttpRequest) -> None:
    if not request.user.has_perm("sensing.review_evidence"):
        raise PermissionDenied


@login_required
def evidence(request: HttpRequest) -> HttpResponse:
    """Officials: what the readings suggest (rules that held in a district), to confirm as a
    new need, attach to an existing one, or dismiss."""
    _require_steward(request)
    # the confirm form preselects the rule's category, else the one for its kind (air, noise)
    by_kind = selectors.evidence_default_categories()
    items = [
        (
            s,
            QUANTITIES[s.rule.quantity].unit if s.rule.quantity in QUANTITIES else "",
            ConfirmEvidenceForm(
                prefix=f"c{s.pk}",
                initial={
                    "category": s.rule.category_id
                    or by_kind.get(selectors.evidence_kind(s.rule.quantity) or "")
                },
            ),
            AttachEvidenceForm(prefix=f"a{s.pk}"),
        )
        for s in selectors.evidence_open()
    ]
    return render(
        request,
        "sensing/evidence.html",
        {
            "items": items,
            "decided": selectors.evidence_decided(),
            "coverage": selectors.coverage_by_area(),
        },
    )


@login_required
def evidence_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_steward(request)
    suggestion = selectors.evidence_get(pk)
    if suggestion is None or request.method != "POST":
        raise Http404
    actor = cast(User, request.user)
    try:
        if action == "confirm":
            form: Any = ConfirmEvidenceForm(request.POST, prefix=f"c{pk}")
            if not form.is_valid():
                raise DomainError(_("Choose the category of the need."), code="invalid")
            done = services.evidence_confirm(
                suggestion=suggestion,
                actor=actor,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
            messages.success(
                request, _("The need is filed as report #%(number)s.") % {"number": done.report_id}
            )
        elif action == "attach":
            form = AttachEvidenceForm(request.POST, prefix=f"a{pk}")
            report = (
                needs_selectors.report_get(form.cleaned_data["report"]) if form.is_valid() else None
            )
            if report is None:
                raise DomainError(_("There is no report with that number."), code="invalid")
            services.evidence_attach(suggestion=suggestion, actor=actor, report=report)
            messages.success(
                request,
                _("The evidence is added to report #%(number)s.") % {"number": report.pk},
            )
        elif action == "dismiss":
            services.evidence_dismiss(suggestion=suggestion, actor=actor)
            messages.success(request, _("The suggestion is dismissed."))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("sensing:evidence")
