"""HTML pages of the needs app: report a problem, the public list and report pages, and the
officials' triage queue. Every page works without JavaScript."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cocity.core import selectors as core_selectors
from cocity.core.errors import DomainError
from cocity.core.models import ConsentPurpose
from cocity.core.throttle import honeypot_filled, throttle_check
from cocity.needs import map as report_map
from cocity.needs import selectors, services, staging
from cocity.needs.forms import (
    BulkStatusForm,
    CategoryForm,
    NewResponseTemplateForm,
    NoteForm,
    Open311KeyForm,
    ReassignForm,
    ReportFilterForm,
    ReportForm,
    ResponseTemplateForm,
    StatusForm,
    category_texts_initial,
)
from cocity.needs.models import Channel, Report, Status

PAGE_SIZE = 25


def _report_or_404(pk: int) -> Report:
    report = selectors.report_get(pk)
    if report is None:
        raise Http404
    return report


def _filter_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    reports = form.filters().reports()
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "needs/report_list.html",
        {"form": form, "page": page, "query": _filter_query(request)},
    )


def report_map_page(request: HttpRequest) -> HttpResponse:
    """The public map: reports per district and per hexagonal cell, as an SVG with a table
    (no JavaScript needed), and the same cells as a Leaflet layer when scripts run."""
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    found = report_map.report_map(filters)
    cells = found.geojson()
    for feature in cells["features"]:  # the Leaflet layer's tooltips, in the page's language
        props = feature["properties"]
        props["label"] = ngettext(
            "%(n)s report (%(open)s open)", "%(n)s reports (%(open)s open)", props["count"]
        ) % {"n": props["count"], "open": props["open"]}
        if props["district"]:
            props["label"] += " · " + props["district"]
    cell = request.GET.get("cell", "")[:20]
    selected = report_map.cell_reports(filters, cell) if cell else None
    drawn = report_map.cell_map(filters, cell) if selected is not None else None
    query = request.GET.copy()
    query.pop("cell", None)
    return render(
        request,
        "needs/report_map.html",
        {
            "form": form,
            "map": found,
            "query": query.urlencode(),
            "map_config": _map_config(
                cells=cells,
                points=_points_config(filters),
                selected={"bounds": drawn.bounds, "ring": drawn.ring} if drawn else None,
            ),
            "cell": cell if selected is not None else "",
            "cell_reports": selected[0] if selected else [],
            "cell_total": selected[1] if selected else 0,
            "cell_map": drawn,
            "pin_kinds": report_map.PIN_KINDS,
        },
    )


# the Leaflet map asks for single reports from this zoom level on (about 2 km across a phone's
# screen); if more than the endpoint's limit match there, it keeps the cells
POINTS_ZOOM = 14


def _points_config(filters: report_map.ReportFilters) -> dict[str, Any]:
    """What the Leaflet map needs to show the reports one by one: where to ask (with the
    page's valid filters), from which zoom, and how to draw and name each kind of pin."""
    query = {
        "category": filters.category,
        "district": filters.area,
        "status": filters.status,
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
    }
    return {
        "url": reverse("api-needs-points"),
        "query": {k: v for k, v in query.items() if v},
        "zoom": POINTS_ZOOM,
        "kinds": {k.key: {"label": str(k.label), "shape": k.shape} for k in report_map.PIN_KINDS},
        # "{n}" stands for the number
        "group": _("{n} reports here: select to zoom in"),
        "group_list": _("{n} reports at this spot:"),
        "showing": _("Close up: each report is a pin. Zoom out for the counts per cell."),
        "counting": _("Zoom in further to see single reports; the cells count them."),
    }


def _map_config(**extra: Any) -> dict[str, Any]:
    """What the Leaflet maps of the needs pages read (only when scripts run): tiles (none unless
    ``COCITY_TILE_URL`` is set), the district outlines and the labels of the controls."""
    return {
        "tiles": settings.COCITY_TILE_URL,
        "attribution": settings.COCITY_TILE_ATTRIBUTION,
        "districts": selectors.district_outlines(),
        # without a tile server, the streets of the gazetteer stand in for the background
        "streets": None if settings.COCITY_TILE_URL else core_selectors.street_lines(),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        **extra,
    }


def _form_context(form: ReportForm, **extra: Any) -> dict[str, Any]:
    """The report form, and what its map picker needs (used only when scripts run)."""
    return {
        "form": form,
        "place_config": _map_config(),
        **extra,
    }


def _place_search(request: HttpRequest) -> HttpResponse:
    """The form's "Search" button: the same form again, with the matching places to pick from
    (radio buttons: no script needed). Nothing is validated or filed yet."""
    text = request.POST.get("place_q", "").strip()[:160]
    values = {k: v for k, v in request.POST.items() if k not in {"csrfmiddlewaretoken", "place"}}
    form = ReportForm(initial=values)
    found = core_selectors.place_search(text) if text else []
    return render(
        request,
        "needs/report_form.html",
        _form_context(form, place_choices=found, place_searched=text),
    )


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """Step 1: the form. Step 2 (only when open reports of the same category are within 250 m):
    "Is it one of these? Support it instead". Then the report is filed once (one-time token)."""
    if request.method == "GET":
        form = ReportForm(initial={"form_token": secrets.token_urlsafe(16)})
        return render(request, "needs/report_form.html", _form_context(form))
    if honeypot_filled(request.POST):  # a bot: refused quietly, nothing is written
        messages.success(request, _("Thank you."))
        return redirect("needs:list")
    if request.POST.get("action") == "search":  # a search files nothing: not throttled
        return _place_search(request)
    throttle_check(request, "report", where="report form", link=reverse("needs:list"))
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "needs/report_form.html", _form_context(form), status=400)
    data = form.cleaned_data
    scope = "web"  # the one-time token is 128 random bits, issued with the form
    seen = selectors.report_for_submission(scope=scope, key=data.get("form_token") or "")
    if seen is not None:  # the same form sent twice: show the first result
        return redirect("needs:submitted", token=seen.tracking_token)
    token = data.get("form_token") or ""
    if not request.POST.get("confirm"):
        nearby = selectors.reports_nearby_open(
            category=data["category"], lat=data["lat"], lon=data["lon"]
        )
        if nearby:
            # files cannot travel in hidden fields: keep checked copies for the next step
            kept = 0
            if data["photos"] and staging.token_ok(token):
                try:
                    kept = staging.photos_stage(token=token, uploads=data["photos"])
                except DomainError as exc:
                    form.add_error(None, exc.message)
                    return render(
                        request, "needs/report_form.html", _form_context(form), status=400
                    )
            context = {
                "form": form,
                "nearby": nearby[:10],
                "kept": kept,
                "had_photos": bool(data["photos"]) and not kept,
            }
            return render(request, "needs/report_nearby.html", context)
    photos = list(data.get("photos") or [])
    if not photos and request.POST.get("confirm"):
        photos = staging.photos_staged(token=token)
    user = request.user if request.user.is_authenticated else None
    try:
        report = services.report_submit(
            category=data["category"],
            description=data["description"],
            lat=data["lat"],
            lon=data["lon"],
            address=data.get("address") or "",
            reporter=user,
            anonymous=bool(data.get("anonymous")),
            channel=Channel.WEB,
            # the one-time form token: the same form sent twice files one report
            idempotency_key=data.get("form_token") or "",
            idempotency_scope=scope,
            photos=photos,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        context = _form_context(form)
        return render(request, "needs/report_form.html", context, status=exc.status)
    finally:
        for photo in photos:
            photo.close()
    staging.photos_discard(token=token)
    return redirect("needs:submitted", token=report.tracking_token)


def report_submitted(request: HttpRequest, token: str) -> HttpResponse:
    report = selectors.report_by_token(token)
    if report is None:
        raise Http404
    track_url = request.build_absolute_uri(reverse("needs:track", kwargs={"token": token}))
    return render(
        request, "needs/report_submitted.html", {"report": report, "track_url": track_url}
    )


def _detail(request: HttpRequest, report: Report, *, tracking: bool = False) -> HttpResponse:
    user: Any = request.user
    internal = user.has_perm("needs.view_internal_notes", report)
    context = {
        "report": report,
        "photos": selectors.report_photos(report),
        "timeline": selectors.report_timeline(report=report, include_internal=internal),
        "tracking": tracking,
        "can_triage": user.has_perm("needs.triage_report", report),
        "is_supporter": selectors.is_supporter(report=report, user=user),
        "is_own": user.is_authenticated and report.reporter_id == user.pk,
        "merged": selectors.report_merged_into(report),
        "is_follower": selectors.is_follower(report=report, user=user),
        "email_updates": core_selectors.has_consent(
            user=user, purpose=ConsentPurpose.EMAIL_UPDATES
        ),
        "place_map": _place_map(report),
    }
    return render(request, "needs/report_detail.html", context)


def _place_map(report: Report) -> report_map.PlaceMap:
    area = report.area
    return report_map.place_map(
        lat=report.lat,
        lon=report.lon,
        boundary=area.boundary if area is not None else None,
        district_name=area.name if area is not None else "",
    )


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _report_or_404(pk))


def report_track(request: HttpRequest, token: str) -> HttpResponse:
    report = selectors.report_by_token(token)
    if report is None:
        raise Http404
    return _detail(request, report, tracking=True)


@login_required
@require_POST
def report_support(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(pk)
    if services.report_support(report=report, user=request.user):  # type: ignore[arg-type]
        messages.success(request, _("Thank you: your support is counted."))
    else:
        messages.info(request, _("You already support this report."))
    return redirect("needs:detail", pk=report.pk)


@login_required
@require_POST
def report_follow(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(pk)
    follow = request.POST.get("follow") != "0"
    services.report_follow(report=report, user=request.user, follow=follow)  # type: ignore[arg-type]
    messages.success(
        request, _("You follow this report.") if follow else _("You no longer follow this report.")
    )
    return redirect("needs:detail", pk=report.pk)


# --- back office ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def triage_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("needs.view_triage"):
        raise PermissionDenied
    if request.method == "POST":
        return _bulk_status(request)
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    reports = selectors.triage_queue(
        user=request.user,  # type: ignore[arg-type]
        category=filters.category,
        area=filters.area,
        status=filters.status or "open",
    )
    reports = filters.dates(reports)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "needs/triage_list.html",
        {
            "form": form,
            "page": page,
            "query": _filter_query(request),
            "now": timezone.now(),
            "bulk_form": BulkStatusForm(report_ids=[], auto_id="bulk_%s"),
        },
    )


def _bulk_status(request: HttpRequest) -> HttpResponse:
    """One status (and template answer) for several reports: all of them or none."""
    user: Any = request.user
    ids = [int(v) for v in request.POST.getlist("reports") if v.isdigit()]
    reports = list(selectors.report_list().filter(pk__in=ids))
    form = BulkStatusForm(request.POST, report_ids=[r.pk for r in reports])
    # the form posts to "?<filters>": the queue comes back as the official left it
    back = reverse("needs:triage") + (f"?{_filter_query(request)}" if request.GET else "")
    if not form.is_valid() or not reports:
        messages.error(request, _("Select at least one report and a status."))
        return redirect(back)
    status = form.cleaned_data["status"]
    note = selectors.response_template_text(form.cleaned_data["template"])
    changed = services.report_bulk_change_status(
        reports=reports, status=status, actor=user, note=note
    )
    messages.success(
        request,
        ngettext("%(count)s report changed.", "%(count)s reports changed.", changed)
        % {"count": changed},
    )
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def triage_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(pk)
    user: Any = request.user
    if not user.has_perm("needs.triage_report", report):
        raise PermissionDenied
    status_form = StatusForm(initial={"status": report.status}, prefix="status")
    note_form = NoteForm(prefix="note")
    reassign_form = ReassignForm(
        initial={"department": report.department_id, "priority": report.priority},
        prefix="assign",
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "status":
            status_form = StatusForm(request.POST, prefix="status")
            if status_form.is_valid():
                data = status_form.cleaned_data
                original = None
                if data.get("duplicate_of"):
                    original = selectors.report_get(data["duplicate_of"])
                    if original is None:
                        raise DomainError(_("There is no report with that number."))
                services.report_change_status(
                    report=report,
                    status=data["status"],
                    actor=user,
                    note=data["note"] or selectors.response_template_text(data["template"]),
                    duplicate_of=original,
                )
                messages.success(request, _("Status changed and the update published."))
                return redirect("needs:triage_report", pk=report.pk)
        elif action == "merge":
            duplicate = selectors.report_get(request.POST.get("duplicate", ""))
            if duplicate is None:
                raise DomainError(_("There is no report with that number."))
            services.report_change_status(
                report=duplicate, status=Status.DUPLICATE, actor=user, duplicate_of=report
            )
            messages.success(
                request,
                _("Report #%(duplicate)s is merged into this one.") % {"duplicate": duplicate.pk},
            )
            return redirect("needs:triage_report", pk=report.pk)
        elif action == "note":
            note_form = NoteForm(request.POST, prefix="note")
            if note_form.is_valid():
                services.report_add_note(
                    report=report, actor=user, text=note_form.cleaned_data["text"], public=False
                )
                messages.success(request, _("Internal note saved."))
                return redirect("needs:triage_report", pk=report.pk)
        elif action == "assign":
            reassign_form = ReassignForm(request.POST, prefix="assign")
            if reassign_form.is_valid():
                data = reassign_form.cleaned_data
                if data["priority"] != report.priority:
                    services.report_set_priority(
                        report=report, priority=data["priority"], actor=user
                    )
                if data["department"] != report.department:
                    services.report_reassign(
                        report=report, department=data["department"], actor=user
                    )
                messages.success(request, _("Saved."))
                if not user.has_perm("needs.triage_report", report):
                    return redirect("needs:triage")
                return redirect("needs:triage_report", pk=report.pk)
    context = {
        "report": report,
        "photos": selectors.report_photos(report),
        "timeline": selectors.report_timeline(report=report, include_internal=True),
        "status_form": status_form,
        "note_form": note_form,
        "reassign_form": reassign_form,
        "place_map": _place_map(report),
        "merged": selectors.report_merged_into(report),
        "suggestions": (
            selectors.reports_nearby_open(
                category=report.category, lat=report.lat, lon=report.lon, exclude_id=report.pk
            )
            if report.is_open
            else []
        ),
    }
    return render(request, "needs/triage_report.html", context)


def open311_apps(request: HttpRequest) -> HttpResponse:
    """For developers of client apps: the Open311 endpoints and how to ask for an API key."""
    return render(
        request,
        "needs/open311_apps.html",
        {
            "contact": settings.CONTACT_EMAIL,
            "discovery": request.build_absolute_uri(
                reverse("open311:discovery", kwargs={"fmt": "json"})
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def open311_keys(request: HttpRequest) -> HttpResponse:
    """Issue API keys to Open311 client apps (and SMS gateways). A new key is shown once, on
    the page that answers the POST; only its hash is stored."""
    user: Any = request.user
    if not user.has_perm("needs.manage_open311_keys"):
        raise PermissionDenied
    form = Open311KeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        row, key = services.open311_key_create(
            name=form.cleaned_data["name"],
            email_consent=form.cleaned_data["email_consent"],
            actor=user,
        )
        issued = {"name": row.name, "key": key}
        form = Open311KeyForm()
    response = render(
        request,
        "needs/open311_keys.html",
        {"form": form, "issued": issued, "keys": selectors.open311_key_list()},
        status=400 if request.method == "POST" and issued is None else 200,
    )
    response["Cache-Control"] = "no-store"  # the page may hold a key in clear
    return response


@login_required
@require_POST
def open311_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("needs.manage_open311_keys"):
        raise PermissionDenied
    key = selectors.open311_key_list().filter(pk=pk).first()
    if key is None:
        raise Http404
    if services.open311_key_revoke(key=key, actor=user):
        messages.success(
            request,
            _("The key for “%(name)s” is revoked: the app can no longer file reports.")
            % {"name": key.name},
        )
    return redirect("needs:open311_keys")


@login_required
@require_http_methods(["GET"])
def category_list(request: HttpRequest) -> HttpResponse:
    """Every service category, switched off ones too, each with its edit page."""
    if not request.user.has_perm("needs.view_categories"):
        raise PermissionDenied
    return render(
        request,
        "needs/categories_list.html",
        {"categories": selectors.category_list(active_only=False)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    category = selectors.category_list(active_only=False).filter(pk=pk).first()
    if category is None:
        raise Http404
    if not user.has_perm("needs.edit_category", category):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("action") in ("activate", "deactivate"):
        active = request.POST["action"] == "activate"
        services.category_set_active(category=category, active=active, actor=user)
        messages.success(
            request,
            _("The category is on: residents can report it.")
            if active
            else _("The category is off: no new reports; its reports stay."),
        )
        return redirect("needs:category_edit", pk=category.pk)
    initial = {
        **category_texts_initial(category),
        "department": category.department,
        "expected_days": category.expected_days,
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(category=category, actor=user, **form.service_arguments())
        except DomainError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, _("Category saved."))
            return redirect("needs:categories")
    return render(
        request,
        "needs/category_edit.html",
        {"form": form, "category": category},
        status=400 if form.errors else 200,
    )


def _require_template_manager(request: HttpRequest) -> Any:
    user: Any = request.user
    if not user.has_perm("needs.manage_response_templates"):
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def response_template_list(request: HttpRequest) -> HttpResponse:
    """The ready-made public answers, and a form to add one."""
    user = _require_template_manager(request)
    form = NewResponseTemplateForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            services.response_template_create(actor=user, **form.cleaned_data)
        except DomainError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, _("Answer template added."))
            return redirect("needs:templates")
    return render(
        request,
        "needs/templates_list.html",
        {"form": form, "templates": selectors.response_templates()},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_template_manager(request)
    template = selectors.response_templates().filter(pk=pk).first()
    if template is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "delete":
        services.response_template_delete(template=template, actor=user)
        messages.success(request, _("Answer template deleted."))
        return redirect("needs:templates")
    form = ResponseTemplateForm(
        request.POST or None, initial={"title": template.title, "text": template.text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.response_template_update(template=template, actor=user, **form.cleaned_data)
        except DomainError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, _("Answer template saved."))
            return redirect("needs:templates")
    return render(
        request,
        "needs/template_edit.html",
        {"form": form, "template": template},
        status=400 if form.errors else 200,
    )
