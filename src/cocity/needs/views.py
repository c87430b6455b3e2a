"""HTML pages of the needs app: report a problem, the public list and report pages, and the
officials' triage queue. Every page works without JavaScript."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cocity.core.errors import DomainError
from cocity.needs import selectors, services
from cocity.needs.forms import (
    RESPONSE_TEMPLATES,
    BulkStatusForm,
    NoteForm,
    ReassignForm,
    ReportFilterForm,
    ReportForm,
    StatusForm,
)
from cocity.needs.models import Channel, Report

PAGE_SIZE = 25


def _report_or_404(pk: int) -> Report:
    report = selectors.report_get(pk)
    if report is None:
        raise Http404
    return report


def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = selectors.report_list(
        category=filters.get("category", ""),
        area=filters.get("district", ""),
        status=filters.get("status", ""),
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "needs/report_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """Step 1: the form. Step 2 (only when open reports of the same category are within 250 m):
    "Is it one of these? Support it instead". Then the report is filed once (one-time token)."""
    if request.method == "GET":
        form = ReportForm(initial={"form_token": secrets.token_urlsafe(16)})
        return render(request, "needs/report_form.html", {"form": form})
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "needs/report_form.html", {"form": form}, status=400)
    data = form.cleaned_data
    scope = "web"  # the one-time token is 128 random bits, issued with the form
    seen = selectors.report_for_submission(scope=scope, key=data.get("form_token") or "")
    if seen is not None:  # the same form sent twice: show the first result
        return redirect("needs:submitted", token=seen.tracking_token)
    if not request.POST.get("confirm"):
        nearby = selectors.reports_nearby_open(
            category=data["category"], lat=data["lat"], lon=data["lon"]
        )
        if nearby:
            # files cannot travel in hidden fields: the next step asks for them again
            context = {"form": form, "nearby": nearby[:10], "had_photos": bool(data["photos"])}
            return render(request, "needs/report_nearby.html", context)
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
            photos=data.get("photos") or [],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return render(request, "needs/report_form.html", {"form": form}, status=exc.status)
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
        "is_follower": selectors.is_follower(report=report, user=user),
    }
    return render(request, "needs/report_detail.html", context)


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
    filters = form.cleaned_data if form.is_valid() else {}
    reports = selectors.triage_queue(
        user=request.user,  # type: ignore[arg-type]
        category=filters.get("category", ""),
        area=filters.get("district", ""),
        status=filters.get("status") or "open",
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "needs/triage_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "bulk_form": BulkStatusForm(report_ids=[]),
        },
    )


def _bulk_status(request: HttpRequest) -> HttpResponse:
    """One status (and template answer) for several reports: all of them or none."""
    user: Any = request.user
    ids = [int(v) for v in request.POST.getlist("reports") if v.isdigit()]
    reports = list(selectors.report_list().filter(pk__in=ids))
    form = BulkStatusForm(request.POST, report_ids=[r.pk for r in reports])
    if not form.is_valid() or not reports:
        messages.error(request, _("Select at least one report and a status."))
        return redirect("needs:triage")
    status = form.cleaned_data["status"]
    note = str(RESPONSE_TEMPLATES.get(form.cleaned_data["template"], ""))
    changed = 0
    with transaction.atomic():
        for report in reports:
            if report.status != status:
                services.report_change_status(report=report, status=status, actor=user, note=note)
                changed += 1
    messages.success(
        request,
        ngettext("%(count)s report changed.", "%(count)s reports changed.", changed)
        % {"count": changed},
    )
    return redirect("needs:triage")


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
                    note=data["note"] or str(RESPONSE_TEMPLATES.get(data["template"], "")),
                    duplicate_of=original,
                )
                messages.success(request, _("Status changed and the update published."))
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
    }
    return render(request, "needs/triage_report.html", context)
