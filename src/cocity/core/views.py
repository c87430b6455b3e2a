"""HTML pages of the core app: home, districts, my account, privacy, the public audit log, error
pages."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from cocity.compute.geo import svg_paths
from cocity.core import selectors, services
from cocity.core.audit_text import audit_sentence
from cocity.core.errors import DomainError, error_response, speaks_protocol
from cocity.core.forms import ConsentForm, DeleteAccountForm, PublicNameForm

CAPABILITIES = [
    (
        "needs",
        gettext_noop("Needs"),
        gettext_noop("Report a problem or a need, support others, follow the city's answer."),
    ),
    (
        "cocreation",
        gettext_noop("Co-creation"),
        gettext_noop("Propose ideas, co-design them and follow them from pilot to service."),
    ),
    (
        "deliberation",
        gettext_noop("Deliberation"),
        gettext_noop("Say what you think in short statements and find common ground."),
    ),
    (
        "budgeting",
        gettext_noop("Participatory budgets"),
        gettext_noop("Decide together how part of the budget is spent."),
    ),
    (
        "sensing",
        gettext_noop("Urban sensing"),
        gettext_noop("See sensor data as evidence for needs and outcomes."),
    ),
    (
        "equity",
        gettext_noop("Equity and open data"),
        gettext_noop("Who takes part, who benefits, and the data to check it."),
    ),
]


def _district_map() -> dict[str, Any]:
    """SVG paths of the districts, cached until the areas change: the key is the areas' revision
    token (``services.area_upsert`` renews it), so an edit on any server shows on the next page
    of every server sharing the cache."""
    key = "core:district-map:" + selectors.revision(selectors.AREAS_REVISION)
    cached = cache.get(key)
    if cached is None:
        areas = list(selectors.districts().values("id", "code", "name", "boundary"))
        paths, width, height = svg_paths([a["boundary"] for a in areas], width=560)
        cached = {
            "width": width,
            "height": height,
            "shapes": [
                {"code": a["code"], "name": a["name"], "d": d}
                for a, d in zip(areas, paths, strict=True)
            ],
        }
        cache.set(key, cached, 3600)
    return cached


# where each capability lives once its app provides it (URL names; missing ones show "coming")
CAPABILITY_PAGES = {
    "needs": "needs:list",
    "deliberation": "deliberation:list",
    "budgeting": "budgeting:list",
}


def _capabilities() -> list[dict[str, str]]:
    cards = []
    for code, title, text in CAPABILITIES:
        try:
            url = reverse(CAPABILITY_PAGES[code]) if code in CAPABILITY_PAGES else ""
        except NoReverseMatch:
            url = ""
        cards.append({"code": code, "title": title, "text": text, "url": url})
    return cards


def home(request: HttpRequest) -> HttpResponse:
    districts = list(selectors.districts())
    return render(
        request,
        "core/home.html",
        {
            "districts": districts,
            "population": sum(d.population for d in districts),
            "district_map": _district_map(),
            "capabilities": _capabilities(),
        },
    )


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(selectors.area_list(), code=code)
    demographics = area.demographics or {}
    quintiles = demographics.get("income_quintiles") or []
    return render(
        request,
        "core/area_detail.html",
        {
            "area": area,
            "age_bands": [
                (band, round(share * 100))
                for band, share in (demographics.get("age_bands") or {}).items()
            ],
            "quintiles": [(i + 1, round(share * 100)) for i, share in enumerate(quintiles)],
        },
    )


def audit_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.audit_entries(), 50).get_page(request.GET.get("page"))
    rows = [(e, audit_sentence(e.action, e.object_id, e.data)) for e in page]
    return render(request, "core/audit_log.html", {"page": page, "rows": rows})


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    """Everything that is mine in one place: each app's section, sign-in settings, privacy."""
    user: Any = request.user
    return render(request, "core/account.html", {"sections": selectors.account_sections(user=user)})


@login_required
@require_http_methods(["GET", "POST"])
def privacy(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    active = set(user.consents.filter(withdrawn_at=None).values_list("purpose", flat=True))
    form = ConsentForm(request.POST or None, initial={"purposes": sorted(active)})
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["purposes"])
        for purpose in chosen - active:
            services.consent_grant(user=user, purpose=purpose)
        for purpose in active - chosen:
            services.consent_withdraw(user=user, purpose=purpose)
        messages.success(request, _("Your choices are saved."))
        return redirect("core:privacy")
    return render(
        request,
        "core/privacy.html",
        {
            "form": form,
            "history": user.consents.all(),
            "name_form": PublicNameForm(initial={"display_name": user.display_name}),
            "delete_form": DeleteAccountForm(user=user),
        },
    )


@login_required
@require_http_methods(["POST"])
def public_name(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PublicNameForm(request.POST)
    if form.is_valid():
        services.user_set_public_name(user=user, display_name=form.cleaned_data["display_name"])
        messages.success(request, _("Your public name is saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("core:privacy")


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    data = services.personal_data_export(user=request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-cocity-data.json"'
    return response


@login_required
@require_http_methods(["POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = DeleteAccountForm(request.POST, user=user)
    if not form.is_valid():
        return render(
            request,
            "core/privacy.html",
            {
                "form": ConsentForm(),
                "history": user.consents.all(),
                "name_form": PublicNameForm(initial={"display_name": user.display_name}),
                "delete_form": form,
            },
            status=400,
        )
    services.account_delete(user=user)
    logout(request)
    messages.success(request, _("Your account is deleted. Thank you for taking part."))
    return redirect("core:home")


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications; POST marks one (``id``) or all of them read."""
    user: Any = request.user
    if request.method == "POST":
        raw = request.POST.get("id", "")
        services.notification_mark_read(
            user=user, notification_id=int(raw) if raw.isdigit() else None
        )
        target = request.POST.get("next", "")
        if raw.isdigit() and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect("core:notifications")
    page = Paginator(selectors.notification_list(user=user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {"page": page, "unread": selectors.notification_unread_count(user=user)},
    )


def _api_problem(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse | None:
    """Under ``/api/``, ``/open311/`` and ``/ngsi-ld/`` an error found outside the protocol's
    views (no URL matches, a crash) answers in that protocol's error format like every other
    error there (problem+json, Open311's error array, NGSI-LD ProblemDetails), not an HTML page."""
    if not speaks_protocol(request.path):
        return None
    return error_response(request, DomainError(message, code=code, status=status))


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    problem = _api_problem(request, 400, "bad_request", _("The request is not valid."))
    return problem or render(request, "400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    problem = _api_problem(request, 403, "forbidden", _("You are not allowed to do this."))
    return problem or render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    problem = _api_problem(request, 404, "not_found", _("There is nothing at this address."))
    return problem or render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    message = _("Something went wrong on our side. Please try again later.")
    problem = _api_problem(request, 500, "server_error", message)
    return problem or render(request, "500.html", status=500)
