"""HTML pages of participatory budgeting: processes and their timeline, ideas and their review,
the ballot (works without JavaScript; with it, totals update as you choose), the receipt check,
results with an SVG chart and a table, the ``.pb`` download, and the officials' pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from cocity.budgeting import selectors, services, sheets
from cocity.budgeting.forms import (
    AmountForm,
    BoothHelperForm,
    CodesForm,
    EligibilityForm,
    EnvelopeForm,
    IdeaForm,
    ImplementationForm,
    MergeForm,
    PhaseForm,
    PhoneCodeForm,
    PhoneForm,
    ProcessForm,
    ReviewForm,
    SplitForm,
    ballot_choices,
)
from cocity.budgeting.models import (
    BallotKind,
    Envelope,
    Idea,
    ImplementationProject,
    MergeProposal,
    Phase,
    Process,
)
from cocity.compute.pb.pabulib import format_pb
from cocity.core.errors import DomainError, form_write, or_404
from cocity.core.models import User

CHART_WIDTH, ROW_HEIGHT = 360, 40


def _process(slug: str) -> Process:
    return or_404(selectors.process_get, slug)


def _envelope(process: Process, slug: str) -> Envelope:
    return or_404(selectors.envelope_get, process, slug)


def _idea(process: Process, pk: int) -> Idea:
    return or_404(selectors.idea_get, process, pk)


def _require_manager(request: HttpRequest) -> None:
    if not request.user.has_perm("budgeting.manage"):
        raise PermissionDenied


def process_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "budgeting/process_list.html",
        {
            "processes": selectors.processes(),
            "can_manage": request.user.has_perm("budgeting.manage"),
        },
    )


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    return render(
        request,
        "budgeting/process_detail.html",
        {
            "process": process,
            "phase": process.phase(),
            "envelopes": selectors.envelopes(process),
            "can_manage": request.user.has_perm("budgeting.manage"),
            "channel_rule": _(services.CHANNEL_RULE),
            "tracked": list(selectors.implementation_projects(process)),
            "booth_helper": services.is_booth_helper(request.user, process),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = ProcessForm(request.POST or None)

    def create(data: dict[str, Any]) -> HttpResponse:
        process = services.process_create(
            actor=request.user,  # type: ignore[arg-type]
            slug=data["slug"],
            **form.service_fields(),
        )
        messages.success(request, _("The budget process is created. Add its budgets."))
        return redirect("budgeting:manage", slug=process.slug)

    return form_write(form, create) or render(
        request, "budgeting/process_form.html", {"form": form, "process": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    form = ProcessForm(request.POST or None, initial=ProcessForm.initial_from(process))
    form.fields["slug"].disabled = True
    frozen = process.voting_has_opened()
    if frozen:  # shown, not editable (the service would refuse a change)
        for name in services.FROZEN_FIELDS:
            form.fields[name].disabled = True

    def save(data: dict[str, Any]) -> HttpResponse:
        fields = form.service_fields()
        if frozen:
            for name in services.FROZEN_FIELDS:
                fields.pop(name, None)
        services.process_update(actor=request.user, process=process, **fields)  # type: ignore[arg-type]
        messages.success(request, _("The budget process is saved."))
        return redirect("budgeting:manage", slug=process.slug)

    return form_write(form, save) or render(
        request, "budgeting/process_form.html", {"form": form, "process": process}
    )


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    envelopes = list(selectors.envelopes(process))
    pending = Idea.objects.filter(envelope__process=process, status=Idea.Status.SUBMITTED)
    return render(
        request,
        "budgeting/manage.html",
        {
            "process": process,
            "phase": process.phase(),
            "frozen": process.voting_has_opened(),
            "envelopes": envelopes,
            "pending": pending.select_related("envelope").order_by("pk"),
            "phase_form": PhaseForm(initial={"phase": process.phase_override}),
            "envelope_form": EnvelopeForm(),
            "split_form": SplitForm(),
            "eligibility_form": EligibilityForm(),
            "codes_form": CodesForm(initial={"count": 100, "format": "pdf"}),
            "n_eligible": process.eligible.count(),
            "helper_form": BoothHelperForm(),
            "helpers": process.booth_helpers.select_related("user").order_by("pk"),
        },
    )


def _back_to_manage(request: HttpRequest, process: Process, form: Any, done: str) -> HttpResponse:
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("budgeting:manage", slug=process.slug)


@login_required
@require_POST
def phase_set(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    form = PhaseForm(request.POST)
    form_write(
        form,
        lambda data: services.process_set_phase(actor=request.user, process=process, **data),  # type: ignore[arg-type]
    )
    return _back_to_manage(request, process, form, _("The phase is set."))


@login_required
@require_POST
def envelope_add(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    form = EnvelopeForm(request.POST)
    form_write(
        form,
        lambda data: services.envelope_create(
            actor=request.user,  # type: ignore[arg-type]
            process=process,
            slug=data["slug"],
            name=data["name"],
            names={"es": data["name_es"]} if data["name_es"] else {},
            area=data["area"],
            amount=data["amount"],
        ),
    )
    return _back_to_manage(request, process, form, _("The budget is added."))


@login_required
@require_POST
def envelope_amount(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    env = _envelope(process, envelope)
    form = AmountForm(request.POST)
    form_write(
        form,
        lambda data: services.envelope_set_amount(actor=request.user, envelope=env, **data),  # type: ignore[arg-type]
    )
    return _back_to_manage(request, process, form, _("The budget's amount is set."))


@login_required
@require_POST
def split(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    form = SplitForm(request.POST)
    form_write(
        form,
        lambda data: services.envelopes_split(actor=request.user, process=process, **data),  # type: ignore[arg-type]
    )
    return _back_to_manage(request, process, form, _("The district budgets are split."))


@login_required
@require_POST
def tally(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    try:
        services.process_tally(actor=request.user, process=process)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("budgeting:manage", slug=slug)
    messages.success(request, _("The ballots are counted and the results published."))
    return redirect("budgeting:detail", slug=slug)


def envelope_detail(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    process = _process(slug)
    env = _envelope(process, envelope)
    ideas = list(selectors.ideas_with_supports(env))
    phase = process.phase()
    support_open = phase == Phase.SUPPORT and process.shortlist_published_at is None
    mine = selectors.supported_by(request.user, env) if support_open else set()
    return render(
        request,
        "budgeting/envelope_detail.html",
        {
            "process": process,
            "phase": phase,
            "envelope": env,
            "projects": [i for i in ideas if i.status == Idea.Status.ACCEPTED],
            "submitted": [i for i in ideas if i.status == Idea.Status.SUBMITTED],
            "rejected": [i for i in ideas if i.status == Idea.Status.REJECTED],
            "dropped": [i for i in ideas if i.status == Idea.Status.NOT_SHORTLISTED],
            "merged": [i for i in ideas if i.status == Idea.Status.MERGED],
            "support_open": support_open,
            "show_supports": support_open or process.shortlist_published_at is not None,
            "mine": mine,
            "result": selectors.result_find(env),
        },
    )


@login_required
@require_POST
def idea_support(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Support a project in the support round (or take the support back)."""
    process = _process(slug)
    idea = _idea(process, pk)
    try:
        services.idea_support(
            user=request.user,  # type: ignore[arg-type]
            idea=idea,
            support=request.POST.get("action") != "withdraw",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("budgeting:envelope", slug=slug, envelope=idea.envelope.slug)


@login_required
@require_POST
def shortlist(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    try:
        services.shortlist_publish(actor=request.user, process=process)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The shortlist is published."))
    return redirect("budgeting:manage", slug=slug)


@login_required
@require_POST
def merge_propose(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    idea = _idea(process, pk)
    form = MergeForm(request.POST, candidates=selectors.merge_candidates(idea))
    if form.is_valid():
        try:
            proposal = services.merge_propose(
                actor=request.user,  # type: ignore[arg-type]
                target=idea,
                others=form.cleaned_data["ideas"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The authors are asked whether they agree."))
            return redirect("budgeting:merge", slug=slug, pk=proposal.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("budgeting:idea", slug=slug, pk=pk)


@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A merge proposal: the ideas, each author's answer, and (once merged) the supports moved.
    The authors answer here."""
    process = _process(slug)
    proposal = or_404(selectors.merge_get, process, pk)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            services.merge_answer(
                user=request.user,
                proposal=proposal,
                accept=request.POST.get("action") == "accept",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your answer is recorded."))
        return redirect("budgeting:merge", slug=slug, pk=pk)
    consents = list(proposal.consents.select_related("idea", "author"))
    user: Any = request.user
    waiting_for_me = proposal.status == MergeProposal.Status.OPEN and any(
        c.author_id == user.pk and c.decision == "pending" for c in consents
    )
    return render(
        request,
        "budgeting/merge.html",
        {
            "process": process,
            "proposal": proposal,
            "rows": [{"consent": c, "moved": proposal.moved.get(str(c.idea_id))} for c in consents],
            "waiting_for_me": waiting_for_me,
        },
    )


@login_required
@require_POST
def implementation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    project = or_404(ImplementationProject.objects.get, idea__envelope__process=process, idea_id=pk)
    form = ImplementationForm(request.POST)
    if form.is_valid():
        services.implementation_update(
            actor=request.user,  # type: ignore[arg-type]
            project=project,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            initiative=form.cleaned_data["initiative"],
        )
        messages.success(request, _("The progress is saved."))
    return redirect("budgeting:idea", slug=slug, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def idea_create(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    process = _process(slug)
    env = _envelope(process, envelope)
    if not request.user.has_perm("budgeting.submit_idea"):
        raise PermissionDenied
    form = IdeaForm(request.POST or None)

    def submit(data: dict[str, Any]) -> HttpResponse:
        idea = services.idea_submit(
            author=request.user,  # type: ignore[arg-type]
            envelope=env,
            title=data["title"],
            body=data["body"],
            reports=data["reports"],
        )
        messages.success(request, _("Thank you: your idea is submitted. Officials will review it."))
        return redirect("budgeting:idea", slug=slug, pk=idea.pk)

    return form_write(form, submit) or render(
        request,
        "budgeting/idea_form.html",
        {"process": process, "envelope": env, "form": form, "open": process.phase() == Phase.IDEAS},
    )


def idea_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = _process(slug)
    idea = _idea(process, pk)
    manager = request.user.has_perm("budgeting.manage")
    can_review = (
        manager
        and not process.voting_has_opened()
        and idea.status not in (Idea.Status.MERGED, Idea.Status.NOT_SHORTLISTED)
    )
    candidates = selectors.merge_candidates(idea) if can_review else None
    tracked = ImplementationProject.objects.select_related("initiative").filter(idea=idea).first()
    return render(
        request,
        "budgeting/idea_detail.html",
        {
            "process": process,
            "idea": idea,
            "can_review": can_review,
            "form": ReviewForm(initial=ReviewForm.initial_from(idea)) if can_review else None,
            "merge_form": MergeForm(candidates=candidates) if candidates else None,
            "merges": selectors.merges_of(idea),
            "tracked": tracked,
            "implementation_form": ImplementationForm(
                initial={
                    "status": tracked.status,
                    "note": tracked.note,
                    "initiative": tracked.initiative,
                }
            )
            if tracked and manager
            else None,
        },
    )


@login_required
@require_POST
def idea_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    idea = _idea(process, pk)
    form = ReviewForm(request.POST)

    def review(data: dict[str, Any]) -> HttpResponse:
        services.idea_review(
            actor=request.user,  # type: ignore[arg-type]
            idea=idea,
            accept=data["decision"] == "accept",
            cost=data["cost"],
            feasibility=data["feasibility"],
            reasons=data["reasons"],
        )
        messages.success(request, _("The review is saved."))
        return redirect("budgeting:idea", slug=slug, pk=pk)

    return form_write(form, review) or render(
        request,
        "budgeting/idea_detail.html",
        {"process": process, "idea": idea, "can_review": True, "form": form},
        status=400,
    )


RECEIPT_GIVEN = _lazy(
    "Your ballot is cast. Your receipt code is %(code)s: keep it to check later that your "
    "ballot was counted."
)

RECEIPT_ASSISTED = _lazy(
    "The ballot is cast. Give the voter the receipt code %(code)s to check later that it was "
    "counted."
)


def _ballot_page(request: HttpRequest, slug: str, envelope: str, mode: str) -> HttpResponse:
    """The ballot, in one of three modes: ``online`` (a signed-in resident), ``code`` (anyone
    with a one-time code) and ``paper`` (an official entering a paper ballot). "Check" shows
    the totals and problems without storing anything; a ballot that fails is shown again.
    Plain look-ups: no counts of ideas or ballots on the path of every ballot."""
    env = or_404(selectors.envelope_plain, slug, envelope)
    process = env.process
    user: Any = request.user
    claimed = None
    if mode == "online":
        if not user.has_perm("budgeting.vote"):
            raise PermissionDenied
        claimed = services.eligibility_of(user, process) if process.require_eligibility else None
    elif mode == "paper":
        _require_manager(request)
    elif mode == "assisted" and not services.is_booth_helper(user, process):
        raise PermissionDenied
    ask_identifier = (
        (mode == "online" and process.require_eligibility and claimed is None)
        or (mode in ("code", "paper") and process.require_eligibility)
        or mode == "assisted"
    )
    needs_phone = (
        mode == "online"
        and process.sms_verification
        and services.phone_verified(user, process) is None
    )
    projects = list(selectors.projects(env))
    choices: dict[str, int] = {}
    check = None
    errors: list[str] = []
    values = {k: request.POST.get(k, "").strip() for k in ("code", "identifier", "serial")}
    if request.method == "POST":
        choices, whole = ballot_choices(request.POST, projects)
        check = services.ballot_check(envelope=env, choices=choices)
        if not whole:
            errors.append(_("Points must be whole numbers."))
        errors.extend(check.messages)
        if request.POST.get("action") == "cast" and not errors:
            try:
                if mode == "online":
                    if ask_identifier:
                        services.eligibility_claim(
                            user=user, process=process, identifier=values["identifier"]
                        )
                    cast = services.ballot_cast(user=user, envelope=env, choices=choices)
                elif mode == "assisted":
                    cast = services.ballot_cast_assisted(
                        helper=user,
                        envelope=env,
                        choices=choices,
                        code=values["code"],
                        identifier=values["identifier"],
                    )
                elif mode == "code":
                    cast = services.ballot_cast_with_code(
                        envelope=env,
                        code=values["code"],
                        choices=choices,
                        identifier=values["identifier"],
                    )
                else:
                    sheet = services.paper_enter(
                        actor=user,
                        envelope=env,
                        serial=values["serial"],
                        choices=choices,
                        identifier=values["identifier"],
                    )
            except DomainError as exc:
                errors.append(exc.message)
            else:
                if mode == "paper":
                    messages.success(
                        request,
                        _("Sheet %(serial)s: %(status)s.")
                        % {"serial": sheet.serial, "status": sheet.get_status_display()},
                    )
                    return redirect("budgeting:paper", slug=slug, envelope=envelope)
                if mode == "assisted":
                    messages.success(request, str(RECEIPT_ASSISTED) % {"code": cast.receipt})
                    return redirect("budgeting:assisted", slug=slug, envelope=envelope)
                messages.success(request, str(RECEIPT_GIVEN) % {"code": cast.receipt})
                return redirect("budgeting:envelope", slug=slug, envelope=envelope)
    rows = [{"idea": i, "field": f"p{i.pk}", "value": choices.get(str(i.pk), 0)} for i in projects]
    return render(
        request,
        "budgeting/ballot.html",
        {
            "process": process,
            "envelope": env,
            "open": process.phase() == Phase.VOTING,
            "rows": rows,
            "kind": process.ballot_kind,
            "cumulative": process.ballot_kind == BallotKind.CUMULATIVE,
            "check": check,
            "errors": errors,
            "mode": mode,
            "ask_identifier": ask_identifier,
            "needs_phone": needs_phone,
            "values": values,
            "sheets": selectors.paper_sheets_open(env) if mode == "paper" else None,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    return _ballot_page(request, slug, envelope, "online")


@require_http_methods(["GET", "POST"])
def ballot_code(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    """Voting with a one-time code, without an account."""
    return _ballot_page(request, slug, envelope, "code")


@login_required
@require_http_methods(["GET", "POST"])
def paper(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    """Officials enter paper ballots; each sheet needs two agreeing entries."""
    return _ballot_page(request, slug, envelope, "paper")


@login_required
@require_http_methods(["GET", "POST"])
def assisted(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    """A booth helper records the ballot of a voter who shows a code or an identifier."""
    return _ballot_page(request, slug, envelope, "assisted")


@login_required
@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm a mobile number with a code sent by SMS, before voting online."""
    process = _process(slug)
    user: Any = request.user
    if not process.sms_verification or not user.has_perm("budgeting.vote"):
        raise Http404
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back.startswith("/budgets/"):
        back = reverse("budgeting:detail", args=[slug])
    phone_form, code_form = PhoneForm(), PhoneCodeForm()
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "send":
                phone_form = PhoneForm(request.POST)
                if phone_form.is_valid():
                    services.phone_code_send(
                        user=user, process=process, phone=phone_form.cleaned_data["phone"]
                    )
                    messages.success(request, _("We sent you a code by SMS."))
                    return redirect(f"{request.path}?next={back}")
            else:
                code_form = PhoneCodeForm(request.POST)
                if code_form.is_valid():
                    services.phone_code_confirm(
                        user=user, process=process, code=code_form.cleaned_data["code"]
                    )
                    messages.success(request, _("Your number is confirmed: you can vote now."))
                    return redirect(back)
        except DomainError as exc:
            form = phone_form if request.POST.get("action") == "send" else code_form
            form.add_error(None, exc.message)
        status = 400
    return render(
        request,
        "budgeting/phone.html",
        {
            "process": process,
            "phone_form": phone_form,
            "code_form": code_form,
            "next": back,
            "confirmed": services.phone_verified(user, process) is not None,
        },
        status=status,
    )


@login_required
@require_POST
def booth_helpers(request: HttpRequest, slug: str) -> HttpResponse:
    """Officials give (or take back) the booth helper role to an organisation member."""
    _require_manager(request)
    process = _process(slug)
    form = BoothHelperForm(request.POST)
    if not form.is_valid():
        return _back_to_manage(request, process, form, "")
    member = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    if member is None:
        form.add_error("email", _("Nobody has an account with this e-mail."))
        return _back_to_manage(request, process, form, "")
    try:
        if request.POST.get("action") == "revoke":
            services.booth_helper_revoke(actor=request.user, process=process, user=member)  # type: ignore[arg-type]
            done = _("%(email)s no longer helps at booths.")
        else:
            services.booth_helper_grant(actor=request.user, process=process, user=member)  # type: ignore[arg-type]
            done = _("%(email)s can now record assisted ballots.")
    except DomainError as exc:
        form.add_error("email", exc.message)
        return _back_to_manage(request, process, form, "")
    return _back_to_manage(request, process, form, done % {"email": member.email})


@login_required
@require_POST
def eligibility_upload(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    process = _process(slug)
    form = EligibilityForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            text = form.cleaned_data["file"].read().decode("utf-8-sig")
            counts = services.eligibility_import(
                actor=request.user,  # type: ignore[arg-type]
                process=process,
                rows=services.eligibility_rows(text),
            )
        except UnicodeDecodeError:
            form.add_error("file", _("The file must be UTF-8 text."))
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            done = _("%(added)d people added to the list, %(known)d already on it.") % counts
            return _back_to_manage(request, process, form, done)
    return _back_to_manage(request, process, form, "")


@login_required
@require_POST
def codes(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    """Generate one-time codes and download their sheet (the only copy of the codes)."""
    _require_manager(request)
    process = _process(slug)
    env = _envelope(process, envelope)
    form = CodesForm(request.POST)
    if not form.is_valid():
        return _back_to_manage(request, process, form, "")
    try:
        new = services.codes_generate(
            actor=request.user,  # type: ignore[arg-type]
            envelope=env,
            count=form.cleaned_data["count"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _back_to_manage(request, process, form, "")
    url = request.build_absolute_uri(reverse("budgeting:ballot_code", args=[slug, envelope]))
    name = f"{process.slug}-{env.slug}-codes"
    if form.cleaned_data["format"] == "csv":
        response = HttpResponse(sheets.codes_csv(env, new, url), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(sheets.codes_pdf(env, new, url), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def receipt(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    found = selectors.receipt_find(code) if code else None
    result = selectors.result_find(found.envelope) if found else None
    return render(
        request,
        "budgeting/receipt.html",
        {"code": code, "ballot": found, "result": result},
    )


def _chart(projects: list[Idea], votes: dict[str, int], winners: set[str]) -> dict[str, Any]:
    """Bars with their label above them, so the chart stays narrow enough to read on a phone
    (the viewBox is 360 wide; a 375 px screen shows it near full size)."""
    most = max([votes.get(str(p.pk), 0) for p in projects] + [1])
    room = CHART_WIDTH - 56  # space for the number after the longest bar
    bars = []
    for n, p in enumerate(sorted(projects, key=lambda p: -votes.get(str(p.pk), 0))):
        v = votes.get(str(p.pk), 0)
        width = round(room * v / most, 1)
        top = n * ROW_HEIGHT
        bars.append(
            {
                "label_y": top + 14,
                "y": top + 19,
                "text_y": top + 32,
                "width": width,
                "value_x": width + 6,
                "label": p.title if len(p.title) <= 40 else p.title[:39] + "…",
                "votes": v,
                "won": str(p.pk) in winners,
            }
        )
    return {"width": CHART_WIDTH, "height": len(bars) * ROW_HEIGHT + 4, "bars": bars}


def results(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    process = _process(slug)
    env = _envelope(process, envelope)
    result = selectors.result_find(env)
    projects = list(selectors.projects(env))
    context: dict[str, Any] = {"process": process, "envelope": env, "result": result}
    if result is not None:
        winners = set(result.winners)
        greedy = set(result.greedy_winners)
        titles = {str(p.pk): p.title for p in projects}
        tracked = {
            str(t.idea_id): t
            for t in ImplementationProject.objects.filter(idea__envelope=env).select_related(
                "initiative"
            )
        }
        rows = []
        for p in sorted(projects, key=lambda p: (-result.votes.get(str(p.pk), 0), p.pk)):
            pid = str(p.pk)
            rows.append(
                {
                    "idea": p,
                    "votes": result.votes.get(pid, 0),
                    "points": result.points.get(pid, 0),
                    "won": pid in winners,
                    "greedy": pid in greedy,
                    "why": result.explanations.get(pid),
                    "tracked": tracked.get(pid),
                }
            )
        context.update(
            rows=rows,
            left=env.amount - result.spent,
            greedy_spent=sum(int(p.cost or 0) for p in projects if str(p.pk) in greedy),
            differs=winners != greedy,
            chart=_chart(projects, result.votes, winners),
            cumulative=process.ballot_kind == BallotKind.CUMULATIVE,
            tracked=tracked,
            ejr=result.ejr or {},
            ejr_violations=[
                {**v, "titles": [titles.get(pid, pid) for pid in v["projects"]]}
                for v in (result.ejr or {}).get("violations", [])[:20]
            ],
        )
    return render(request, "budgeting/results.html", context)


def pb_download(request: HttpRequest, slug: str, envelope: str) -> HttpResponse:
    """The envelope's anonymised ballots as a Pabulib file, with the counting rule in META."""
    process = _process(slug)
    env = _envelope(process, envelope)
    if not process.voting_has_opened() or process.phase() == Phase.VOTING:
        raise Http404  # ballots are published once voting has closed
    text = format_pb(selectors.envelope_election(env))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{env.slug}.pb"'
    return response
