"""HTML pages of the investment app: campaigns with their pledge form, volunteer roles and public
ledger; matching calls with the published rule and how the pot was split; offerings and their
allocation. Every page works without JavaScript."""

from __future__ import annotations

import csv
import json
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cocity.core.errors import DomainError, form_write, or_404
from cocity.investment import selectors, services
from cocity.investment.forms import (
    CallForm,
    CampaignForm,
    OfferingForm,
    PledgeForm,
    RequestForm,
    RoleForm,
    SignupForm,
)
from cocity.investment.models import Campaign, MatchingCall, Offering, Pledge

CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 640, 26, 220


def _manager(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("investment.manage"))


def _require_manager(request: HttpRequest) -> None:
    if not _manager(request):
        raise PermissionDenied


def _campaign(slug: str) -> Campaign:
    return or_404(selectors.campaign_get, slug)


def _call(slug: str) -> MatchingCall:
    return or_404(selectors.call_get, slug)


def _offering(slug: str) -> Offering:
    return or_404(selectors.offering_get, slug)


def _act(request: HttpRequest, write: Callable[[], object], done: str) -> None:
    """A button's action: ``done`` once ``write()`` succeeds, else the reason it was refused."""
    try:
        write()
    except DomainError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, done)


def _again(response: HttpResponse) -> HttpResponse:
    """A page shown again because its form has errors."""
    response.status_code = 400
    return response


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "investment/index.html",
        {
            "calls": selectors.calls(),
            "campaigns": selectors.campaigns().filter(call=None),
            "may_create": _may_create(request),
            "manager": _manager(request),
            "offerings": selectors.offerings(),
        },
    )


# --- campaigns ------------------------------------------------------------------------------


def campaign_detail(
    request: HttpRequest,
    slug: str,
    form: PledgeForm | None = None,
    role_form: RoleForm | None = None,
) -> HttpResponse:
    campaign = _campaign(slug)
    roles = list(selectors.roles(campaign))
    mine = set()
    if request.user.is_authenticated:
        mine = {
            r.pk for r in roles if any(s.volunteer_id == request.user.pk for s in r.signups.all())
        }
    return render(
        request,
        "investment/campaign_detail.html",
        {
            "campaign": campaign,
            "pledged": campaign.pledged or 0,  # type: ignore[attr-defined]
            "deadline": services.current_deadline(campaign),
            "form": form or PledgeForm(),
            "roles": roles,
            "my_roles": mine,
            "ledger": selectors.ledger(campaign),
            "my_pledges": selectors.my_pledges(campaign, request.user),
            "manager": _manager(request),
            "organiser": _manager(request) or campaign.created_by_id == request.user.pk,
            "role_form": role_form or RoleForm(),
            "pledge_rows": campaign.pledges.filter(status=Pledge.Status.PROMISED)
            if _manager(request)
            else [],
        },
    )


def _may_create(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(_manager(request) or (user.is_authenticated and user.organisations.exists()))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    if not _may_create(request):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, user=request.user)

    def create(data: dict[str, Any]) -> HttpResponse:
        campaign = services.campaign_create(actor=request.user, **form.service_fields())  # type: ignore[arg-type]
        messages.success(request, _("The campaign is open. Add volunteer roles if it needs time."))
        return redirect("investment:campaign", slug=campaign.slug)

    return form_write(form, create) or render(
        request, "investment/campaign_form.html", {"form": form}
    )


@login_required
@require_POST
def role_add(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    if not (_manager(request) or campaign.created_by_id == request.user.pk):
        raise PermissionDenied
    form = RoleForm(request.POST)

    def add(data: dict[str, Any]) -> HttpResponse:
        services.role_add(actor=request.user, campaign=campaign, **data)  # type: ignore[arg-type]
        messages.success(request, _("The volunteer role is added."))
        return redirect("investment:campaign", slug=slug)

    return form_write(form, add) or _again(campaign_detail(request, slug, role_form=form))


@login_required
@require_POST
def pledge(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    form = PledgeForm(request.POST)

    def make(data: dict[str, Any]) -> HttpResponse:
        payment = services.pledge_make(
            pledger=request.user,  # type: ignore[arg-type]
            campaign=campaign,
            amount=form.cents(),
            named=data["named"],
        )[1]
        messages.success(request, _("Thank you: your pledge is recorded."))
        messages.info(request, payment.instructions)
        return redirect("investment:campaign", slug=slug)

    return form_write(form, make) or _again(campaign_detail(request, slug, form=form))


@login_required
@require_POST
def signup(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _campaign(slug)
    role = campaign.roles.filter(pk=pk).first()
    if role is None:
        raise Http404
    form = SignupForm(request.POST)
    form.is_valid()
    try:
        if request.POST.get("cancel"):
            services.signup_cancel(volunteer=request.user, role=role)  # type: ignore[arg-type]
            messages.success(request, _("Your sign-up is cancelled."))
        else:
            services.signup_make(
                volunteer=request.user,  # type: ignore[arg-type]
                role=role,
                named=bool(form.cleaned_data.get("named")),
            )
            messages.success(
                request, _("Thank you: you are signed up. We will remind you the day before.")
            )
    except DomainError as exc:
        messages.error(request, _(exc.message))
    return redirect("investment:campaign", slug=slug)


@login_required
@require_POST
def collect(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _require_manager(request)
    pledge_obj = or_404(Pledge.objects.get, campaign__slug=slug, pk=pk)
    _act(
        request,
        lambda: services.pledge_mark_collected(actor=request.user, pledge=pledge_obj),  # type: ignore[arg-type]
        _("The pledge is marked collected."),
    )
    return redirect("investment:campaign", slug=slug)


# --- matching calls -------------------------------------------------------------------------


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    most = max([r["pledged"] + r["match"] for r in rows] + [1])
    span = CHART_WIDTH - LABEL_WIDTH - 90
    bars = []
    for n, r in enumerate(rows):
        pledged_w = round(span * r["pledged"] / most, 1)
        match_w = round(span * r["match"] / most, 1)
        bars.append(
            {
                "y": n * BAR_HEIGHT + 4,
                "text_y": n * BAR_HEIGHT + 19,
                "pledged_width": pledged_w,
                "match_x": LABEL_WIDTH + pledged_w,
                "match_width": match_w,
                "value_x": LABEL_WIDTH + pledged_w + match_w + 6,
                "label": r["title"] if len(r["title"]) <= 30 else r["title"][:29] + "…",
                "total": r["pledged"] + r["match"],
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": len(bars) * BAR_HEIGHT + 8,
        "label_width": LABEL_WIDTH,
        "bars": bars,
    }


def _preview_key(form: CallForm, rule: dict[str, Any]) -> str:
    """What the preview showed: the rule, the sponsor and the dates."""
    data = form.cleaned_data
    shown = [rule, data["sponsor"].pk, data["opens_at"].isoformat(), data["closes_at"].isoformat()]
    return json.dumps(shown, sort_keys=True, separators=(",", ":"))


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request: HttpRequest) -> HttpResponse:
    """Open a matching call in two steps: the rule is shown in plain words, then confirmed."""
    _require_manager(request)
    form = CallForm(request.POST or None)
    rule = None
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_clean(form.rule())
            # created only when what is confirmed is what the preview showed in plain words
            if request.POST.get("confirm") and request.POST.get("previewed") == _preview_key(
                form, rule
            ):
                call = services.call_create(
                    actor=request.user,  # type: ignore[arg-type]
                    **form.service_fields(),
                )
                messages.success(request, _("The matching call is published."))
                return redirect("investment:call", slug=call.slug)
        except DomainError as exc:
            rule = None
            exc.add_to_form(form)
    return render(
        request,
        "investment/call_form.html",
        {"form": form, "rule": rule, "previewed": _preview_key(form, rule) if rule else ""},
    )


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(slug)
    campaigns = {c.slug: c for c in selectors.campaigns().filter(call=call)}
    context: dict[str, Any] = {
        "call": call,
        "rule": call.rule,
        "campaigns": list(campaigns.values()),
        "manager": _manager(request),
    }
    if call.result:
        rows = []
        for p in call.result["projects"]:
            campaign = campaigns.get(p["id"])
            rows.append(
                {
                    **p,
                    "title": campaign.title if campaign else p["id"],
                    "campaign": campaign,
                    "raw_cents": int(p["raw"]),  # before weight, cap and pot; whole cents
                }
            )
        rows.sort(key=lambda r: (-r["match"], r["id"]))
        context.update(rows=rows, chart=_chart(rows), left=call.rule["pot"] - call.result["spent"])
    return render(request, "investment/call_detail.html", context)


@login_required
@require_POST
def call_close(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    call = _call(slug)
    _act(
        request,
        lambda: services.call_close(actor=request.user, call=call),  # type: ignore[arg-type]
        _("The call is closed and the match computed."),
    )
    return redirect("investment:call", slug=slug)


def call_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The call's rule and counted pledges (no names) for ``cocity invest match``."""
    if fmt not in ("json", "csv"):
        raise Http404
    call = _call(slug)
    data = services.call_export(call)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, indent=1, ensure_ascii=False), content_type="application/json"
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        districts = {p["id"]: p for p in data["projects"]}
        writer = csv.writer(response)
        writer.writerow(["project", "pledger", "amount", "district", "eligible"])
        for p in data["pledges"]:
            project = districts[p["project"]]
            writer.writerow(
                [
                    p["project"],
                    p["pledger"],
                    p["amount"],
                    project["district"],
                    str(project["eligible"]).lower(),
                ]
            )
    response["Content-Disposition"] = f'attachment; filename="{call.slug}-pledges.{fmt}"'
    return response


# --- offerings ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def offering_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = OfferingForm(request.POST or None, initial={"seed": secrets.token_hex(8)})

    def create(data: dict[str, Any]) -> HttpResponse:
        offering = services.offering_create(actor=request.user, **form.service_fields())  # type: ignore[arg-type]
        messages.success(request, _("The offering is published."))
        return redirect("investment:offering", slug=offering.slug)

    return form_write(form, create) or render(
        request, "investment/offering_form.html", {"form": form}
    )


def offering_detail(
    request: HttpRequest, slug: str, form: RequestForm | None = None
) -> HttpResponse:
    offering = _offering(slug)
    mine = None
    if request.user.is_authenticated:
        mine = offering.requests.filter(applicant=request.user).first()
    requests = []
    if offering.status == Offering.Status.ALLOCATED:
        requests = list(offering.requests.order_by("pk"))
    return render(
        request,
        "investment/offering_detail.html",
        {
            "offering": offering,
            "form": form or RequestForm(initial={"units": mine.units if mine else 1}),
            "mine": mine,
            "manager": _manager(request),
            "requests": requests,
            "lottery": offering.allocation.get("lottery_winners", []),
        },
    )


@login_required
@require_POST
def offering_request(request: HttpRequest, slug: str) -> HttpResponse:
    offering = _offering(slug)
    form = RequestForm(request.POST)

    def ask(data: dict[str, Any]) -> HttpResponse:
        services.offering_request(applicant=request.user, offering=offering, units=data["units"])  # type: ignore[arg-type]
        messages.success(request, _("Your request is recorded. Asking early gives no advantage."))
        return redirect("investment:offering", slug=slug)

    return form_write(form, ask) or _again(offering_detail(request, slug, form=form))


@login_required
@require_POST
def offering_allocate(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    offering = _offering(slug)
    _act(
        request,
        lambda: services.offering_allocate(actor=request.user, offering=offering),  # type: ignore[arg-type]
        _("The offering is allocated."),
    )
    return redirect("investment:offering", slug=slug)
