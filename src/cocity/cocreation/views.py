"""HTML pages of co-creation: challenges, proposals (versions and their differences, co-authors,
endorsements, comments), comment moderation, and initiatives with their pipeline, goals,
outcome chart and public timeline. Every page works without JavaScript."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cocity.cocreation import selectors, services
from cocity.cocreation.forms import (
    AmendmentForm,
    ChallengeForm,
    CoauthorForm,
    CommentForm,
    GateForm,
    IndicatorForm,
    MeasurementForm,
    MeetingForm,
    MeetingReportForm,
    MilestoneForm,
    ProposalEditForm,
    ProposalForm,
    SurveyForm,
)
from cocity.cocreation.models import (
    GATES,
    GOALS_OPEN,
    Comment,
    Indicator,
    Initiative,
    Meeting,
    Milestone,
    Proposal,
    ProposalAmendment,
    Stage,
)
from cocity.cocreation.plans import selectors as plan_selectors
from cocity.cocreation.tasks import measurements_fill_task
from cocity.compute.cocreation import chart_layout, word_diff
from cocity.core.errors import DomainError, form_write, or_404
from cocity.core.text import csv_cell

#: A challenge's page lists its proposals 50 at a time.
PROPOSALS_PER_PAGE = 50


# --- challenges -------------------------------------------------------------------------------


def challenge_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cocreation/challenge_list.html",
        {
            "challenges": selectors.challenges(),
            "can_create": request.user.has_perm("cocreation.create_challenge"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("cocreation.create_challenge"):
        raise PermissionDenied
    initial = {"reports": request.GET.get("reports", "")}
    form = ChallengeForm(request.POST or None, user=request.user, initial=initial)

    def create(data: dict[str, Any]) -> HttpResponse:
        challenge = services.challenge_create(actor=request.user, **data)  # type: ignore[arg-type]
        messages.success(request, _("The challenge is public."))
        return redirect("cocreation:challenge", pk=challenge.pk)

    return form_write(form, create) or render(
        request, "cocreation/challenge_form.html", {"form": form}
    )


def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = or_404(selectors.challenge_get, pk)
    page = selectors.proposal_page(
        challenge=challenge, number=request.GET.get("page"), per_page=PROPOSALS_PER_PAGE
    )
    return render(
        request,
        "cocreation/challenge_detail.html",
        {
            "challenge": challenge,
            "proposals": page.object_list,
            "page": page,
            "initiatives": selectors.initiatives_of(challenge),
            "is_follower": selectors.is_challenge_follower(challenge=challenge, user=request.user),
            "can_propose": request.user.has_perm("cocreation.propose"),
            "meetings": selectors.meetings(challenge=challenge),
            "can_call_meeting": request.user.has_perm("cocreation.create_challenge"),
        },
    )


@login_required
@require_POST
def challenge_follow(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = or_404(selectors.challenge_get, pk)
    follow = request.POST.get("follow") != "0"
    services.challenge_follow(challenge=challenge, user=request.user, follow=follow)  # type: ignore[arg-type]
    messages.success(
        request,
        _("You follow this challenge.") if follow else _("You no longer follow this challenge."),
    )
    return redirect("cocreation:challenge", pk=challenge.pk)


# --- proposals --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = or_404(selectors.challenge_get, pk)
    if not request.user.has_perm("cocreation.propose"):
        raise PermissionDenied
    form = ProposalForm(request.POST or None, user=request.user)
    similar: list[tuple[Proposal, float]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        similar = selectors.similar_proposals(
            challenge=challenge, title=data["title"], body=data["body"]
        )
        if not similar or data["confirm_new"]:
            try:
                proposal = services.proposal_submit(
                    author=request.user,  # type: ignore[arg-type]
                    challenge=challenge,
                    title=data["title"],
                    body=data["body"],
                    organisation=data["organisation"],
                )
            except DomainError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, _("Your proposal is published."))
                return redirect("cocreation:proposal", pk=proposal.pk)
    return render(
        request,
        "cocreation/proposal_form.html",
        {"form": form, "challenge": challenge, "similar": similar},
    )


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = or_404(selectors.proposal_get, pk)
    user = request.user
    initiative = Initiative.objects.filter(proposal=proposal).first()
    return render(
        request,
        "cocreation/proposal_detail.html",
        {
            "proposal": proposal,
            "versions": selectors.proposal_versions(proposal),
            "endorsements": selectors.proposal_endorsements(proposal),
            "threads": selectors.comment_threads(proposal, viewer=user),
            "initiative": initiative,
            "can_edit": user.has_perm("cocreation.edit_proposal", proposal),
            "can_invite": user.has_perm("cocreation.invite_coauthor", proposal),
            "can_comment": user.has_perm("cocreation.comment"),
            "can_start": user.has_perm("cocreation.manage_initiative") and initiative is None,
            "my_organisations": list(user.organisations.all()) if user.is_authenticated else [],
            "comment_form": CommentForm(),
            "coauthor_form": CoauthorForm(),
            "amendments": selectors.amendments(proposal),
            "can_amend": user.has_perm("cocreation.propose")
            and not user.has_perm("cocreation.edit_proposal", proposal),
            "meetings": proposal.meetings.order_by("starts_at"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = or_404(selectors.proposal_get, pk)
    if not request.user.has_perm("cocreation.edit_proposal", proposal):
        raise PermissionDenied
    form = ProposalEditForm(
        request.POST or None, initial={"title": proposal.title, "body": proposal.body}
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        version = services.proposal_edit(proposal=proposal, editor=request.user, **data)  # type: ignore[arg-type]
        messages.success(request, _("Saved as version %(number)d.") % {"number": version.number})
        return redirect("cocreation:proposal", pk=proposal.pk)

    return form_write(form, save) or render(
        request, "cocreation/proposal_edit.html", {"form": form, "proposal": proposal}
    )


def proposal_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One version of a proposal and what changed since the version before."""
    proposal = or_404(selectors.proposal_get, pk)
    versions = {v.number: v for v in selectors.proposal_versions(proposal)}
    version = versions.get(number)
    if version is None:
        raise Http404
    before = versions.get(number - 1)
    return render(
        request,
        "cocreation/proposal_version.html",
        {
            "proposal": proposal,
            "version": version,
            "before": before,
            "title_diff": word_diff(before.title, version.title) if before else None,
            "body_diff": word_diff(before.body, version.body) if before else None,
        },
    )


@login_required
@require_POST
def proposal_coauthor(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = or_404(selectors.proposal_get, pk)
    if not request.user.has_perm("cocreation.invite_coauthor", proposal):
        raise PermissionDenied
    form = CoauthorForm(request.POST)
    if form.is_valid():
        person = services.proposal_invite_coauthor(
            proposal=proposal,
            actor=request.user,  # type: ignore[arg-type]
            who=form.cleaned_data["who"],
        )
        messages.success(request, _("%(name)s is now a co-author.") % {"name": person.public_name})
    else:
        messages.error(request, _("Give an e-mail address or a public name."))
    return redirect("cocreation:proposal", pk=proposal.pk)


@login_required
@require_POST
def proposal_endorse(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = or_404(selectors.proposal_get, pk)
    organisation = None
    if request.POST.get("organisation"):
        organisation = request.user.organisations.filter(  # type: ignore[union-attr]
            pk=request.POST["organisation"]
        ).first()
        if organisation is None:
            raise PermissionDenied
    done = services.proposal_endorse(
        proposal=proposal,
        user=request.user,  # type: ignore[arg-type]
        organisation=organisation,
    )
    if done:
        messages.success(request, _("Thank you: your endorsement is counted."))
    else:
        messages.info(request, _("This endorsement was already given."))
    return redirect("cocreation:proposal", pk=proposal.pk)


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = or_404(selectors.proposal_get, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment first."))
        return redirect("cocreation:proposal", pk=proposal.pk)
    parent = None
    if form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], proposal=proposal).first()
        if parent is None:
            raise Http404
    comment = services.comment_add(
        proposal=proposal,
        author=request.user,  # type: ignore[arg-type]
        body=form.cleaned_data["body"],
        parent=parent,
    )
    if comment.status == Comment.Status.ACCEPTED:
        messages.success(request, _("Your comment is published."))
    else:
        messages.success(request, _("Thank you: a moderator reviews your comment first."))
    return redirect("cocreation:proposal", pk=proposal.pk)


@login_required
@require_http_methods(["GET", "POST"])
def moderation(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("cocreation.moderate"):
        raise PermissionDenied
    if request.method == "POST":
        comment = Comment.objects.filter(
            pk=request.POST.get("comment") or 0, status=Comment.Status.PENDING
        ).first()
        if comment is None:
            raise Http404
        services.comment_moderate(
            comment=comment,
            actor=request.user,  # type: ignore[arg-type]
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Done."))
        return redirect("cocreation:moderation")
    return render(
        request,
        "cocreation/moderation.html",
        {
            "comments": selectors.comments_pending(),
            "plan_comments": plan_selectors.flagged_comments(),
        },
    )


# --- initiatives ------------------------------------------------------------------------------


@login_required
@require_POST
def initiative_create(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = or_404(selectors.proposal_get, pk)
    if not request.user.has_perm("cocreation.manage_initiative"):
        raise PermissionDenied
    initiative = services.initiative_create(
        proposal=proposal,
        actor=request.user,  # type: ignore[arg-type]
    )
    messages.success(request, _("The proposal is now an initiative at the idea stage."))
    return redirect("cocreation:initiative", pk=initiative.pk)


def _charts(initiative: Initiative) -> list[dict[str, Any]]:
    start = initiative.created_at.date()
    out = []
    for indicator in initiative.indicators.all():
        series = selectors.indicator_series(indicator)
        out.append(
            {
                "indicator": indicator,
                "series": series,
                "chart": chart_layout(
                    series=series,
                    baseline=indicator.baseline,
                    target=indicator.target,
                    start=min([start, *(d for d, _ in series)]),
                    target_date=indicator.target_date,
                ),
            }
        )
    return out


def _initiative_page(
    request: HttpRequest, initiative: Initiative, status: int = 200, **forms: Any
) -> HttpResponse:
    manage = request.user.has_perm("cocreation.manage_initiative")
    context: dict[str, Any] = {
        "initiative": initiative,
        "stages": [s for s in Stage if s not in (Stage.ITERATE, Stage.RETIRE)],
        "progress": selectors.initiative_progress(initiative),
        "charts": _charts(initiative),
        "timeline": selectors.initiative_timeline(initiative),
        "can_manage": manage,
        "goals_open": initiative.stage in GOALS_OPEN,
        "is_follower": selectors.is_challenge_follower(
            challenge=initiative.proposal.challenge, user=request.user
        ),
        "surveys": selectors.survey_results(initiative),
        "survey_open": bool(GATES.get(initiative.stage)),
        "survey_answered": selectors.has_answered_survey(initiative=initiative, user=request.user),
        "can_answer": request.user.has_perm("core.participate"),
        "survey_form": forms.get("survey_form") or SurveyForm(),
    }
    if manage:
        context["gate_form"] = forms.get("gate_form") or GateForm(initiative=initiative)
        context["indicator_form"] = forms.get("indicator_form") or IndicatorForm()
        context["measurement_form"] = forms.get("measurement_form") or MeasurementForm(
            initiative=initiative
        )
        context["milestone_form"] = forms.get("milestone_form") or MilestoneForm()
    return render(request, "cocreation/initiative_detail.html", context, status=status)


def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _initiative_page(request, or_404(selectors.initiative_get, pk))


def _require_manager(request: HttpRequest) -> None:
    if not request.user.has_perm("cocreation.manage_initiative"):
        raise PermissionDenied


def _managed(request: HttpRequest, pk: int) -> Initiative:
    initiative = or_404(selectors.initiative_get, pk)
    _require_manager(request)
    return initiative


def _form_action(
    request: HttpRequest,
    initiative: Initiative,
    form_name: str,
    form: Any,
    action: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Validate ``form``, call ``action(cleaned_data)`` (it answers the message to show); on any
    error show the page again with the form and its errors (status 400), else go back to the
    initiative."""

    def act(data: dict[str, Any]) -> HttpResponse:
        messages.success(request, action(data))
        return redirect("cocreation:initiative", pk=initiative.pk)

    return form_write(form, act) or _initiative_page(
        request, initiative, status=400, **{form_name: form}
    )


@login_required
@require_POST
def initiative_gate(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _managed(request, pk)

    def act(data: dict[str, Any]) -> str:
        services.gate_decide(initiative=initiative, actor=request.user, **data)  # type: ignore[arg-type]
        return _("The decision is recorded.")

    form = GateForm(request.POST, initiative=initiative)
    return _form_action(request, initiative, "gate_form", form, act)


@login_required
@require_POST
def indicator_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _managed(request, pk)

    def act(data: dict[str, Any]) -> str:
        services.indicator_add(initiative=initiative, actor=request.user, **data)  # type: ignore[arg-type]
        return _("The indicator is fixed.")

    return _form_action(request, initiative, "indicator_form", IndicatorForm(request.POST), act)


@login_required
@require_POST
def measurement_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _managed(request, pk)

    def act(data: dict[str, Any]) -> str:
        services.measurement_record(actor=request.user, **data)  # type: ignore[arg-type]
        return _("The measurement is recorded.")

    form = MeasurementForm(request.POST, initiative=initiative)
    return _form_action(request, initiative, "measurement_form", form, act)


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = _managed(request, pk)

    def act(data: dict[str, Any]) -> str:
        services.milestone_add(initiative=initiative, actor=request.user, **data)  # type: ignore[arg-type]
        return _("The milestone is added.")

    return _form_action(request, initiative, "milestone_form", MilestoneForm(request.POST), act)


def _goal(request: HttpRequest, model: Any, pk: int, *related: str) -> Any:
    """An indicator or a milestone with its initiative, for the officials who manage
    initiatives."""
    goal = or_404(model.objects.select_related("initiative", *related).get, pk=pk)
    _require_manager(request)
    return goal


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = _goal(request, Milestone, pk)
    services.milestone_complete(milestone=milestone, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The milestone is done."))
    return redirect("cocreation:initiative", pk=milestone.initiative_id)


def indicator_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """An indicator's series as CSV: one row per measurement, with its baseline and target."""
    indicator = or_404(Indicator.objects.get, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicator-{indicator.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["indicator", "unit", "date", "value", "baseline", "target", "target_date"])
    for day, value in selectors.indicator_series(indicator):
        writer.writerow(
            [
                csv_cell(indicator.name),
                csv_cell(indicator.unit),
                day.isoformat(),
                f"{value.normalize():f}",
                f"{indicator.baseline.normalize():f}",
                f"{indicator.target.normalize():f}",
                indicator.target_date.isoformat(),
            ]
        )
    return response


# --- amendments -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def amendment_create(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = or_404(selectors.proposal_get, pk)
    if not request.user.has_perm("cocreation.propose"):
        raise PermissionDenied
    form = AmendmentForm(
        request.POST or None, initial={"title": proposal.title, "body": proposal.body}
    )

    def propose(data: dict[str, Any]) -> HttpResponse:
        services.amendment_propose(proposal=proposal, author=request.user, **data)  # type: ignore[arg-type]
        messages.success(request, _("Your amendment is sent to the proposal's authors."))
        return redirect("cocreation:proposal", pk=proposal.pk)

    return form_write(form, propose) or render(
        request, "cocreation/amendment_form.html", {"form": form, "proposal": proposal}
    )


def amendment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An amendment and what it changes in the text it was written against."""
    amendment = or_404(selectors.amendment_get, pk)
    proposal = amendment.proposal
    base = proposal.versions.filter(number=amendment.based_on).first()
    old_title, old_body = (base.title, base.body) if base else (proposal.title, proposal.body)
    return render(
        request,
        "cocreation/amendment_detail.html",
        {
            "amendment": amendment,
            "proposal": proposal,
            "title_diff": word_diff(old_title, amendment.title),
            "body_diff": word_diff(old_body, amendment.body),
            "can_decide": amendment.status == ProposalAmendment.Status.PENDING
            and request.user.has_perm("cocreation.edit_proposal", proposal),
        },
    )


@login_required
@require_POST
def amendment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = or_404(selectors.amendment_get, pk)
    if not request.user.has_perm("cocreation.edit_proposal", amendment.proposal):
        raise PermissionDenied  # only the proposal's authors decide on its amendments
    accept = request.POST.get("decision") == "accept"
    try:
        services.amendment_decide(
            amendment=amendment,
            actor=request.user,  # type: ignore[arg-type]
            accept=accept,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cocreation:proposal_amendment", pk=amendment.pk)
    messages.success(
        request,
        _("The amendment is accepted: it is the new version.")
        if accept
        else _("The amendment is rejected; its author is told why."),
    )
    return redirect("cocreation:proposal", pk=amendment.proposal_id)


# --- meetings ---------------------------------------------------------------------------------


def meeting_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cocreation/meeting_list.html", {"meetings": selectors.meetings()})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = or_404(selectors.challenge_get, pk)
    if not request.user.has_perm("cocreation.create_challenge"):
        raise PermissionDenied
    form = MeetingForm(request.POST or None, user=request.user)

    def create(data: dict[str, Any]) -> HttpResponse:
        meeting = services.meeting_create(challenge=challenge, actor=request.user, **data)  # type: ignore[arg-type]
        messages.success(request, _("The meeting is announced."))
        return redirect("cocreation:meeting", pk=meeting.pk)

    return form_write(form, create) or render(
        request, "cocreation/meeting_form.html", {"form": form, "challenge": challenge}
    )


def _meeting_page(
    request: HttpRequest, meeting: Meeting, form: MeetingReportForm | None = None
) -> HttpResponse:
    can_host = request.user.has_perm("cocreation.host_meeting", meeting)
    registrations = list(selectors.meeting_registrations(meeting))
    taken = sum(1 for r in registrations if not r.waiting)
    if can_host and form is None:
        form = MeetingReportForm(
            meeting=meeting,
            initial={
                "minutes": meeting.minutes,
                "attended": [str(r.user_id) for r in registrations if r.attended],
                "proposals": list(meeting.proposals.all()),
            },
        )
    return render(
        request,
        "cocreation/meeting_detail.html",
        {
            "meeting": meeting,
            "registration": selectors.meeting_registration_of(meeting=meeting, user=request.user),
            "taken": taken,
            "waiting": len(registrations) - taken,
            "full": meeting.capacity is not None and taken >= meeting.capacity,
            "registrations": registrations if can_host else [],
            "can_host": can_host,
            "report_form": form,
            "started": meeting.starts_at <= timezone.now(),
            "over": meeting.ends_at <= timezone.now(),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_page(request, or_404(selectors.meeting_get, pk))


@login_required
@require_POST
def meeting_register(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = or_404(selectors.meeting_get, pk)
    if request.POST.get("cancel"):
        services.meeting_unregister(meeting=meeting, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Your registration is cancelled."))
        return redirect("cocreation:meeting", pk=meeting.pk)
    try:
        registration = services.meeting_register(meeting=meeting, user=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The meeting is full: you are on the waiting list.")
            if registration.waiting
            else _("You are registered."),
        )
    return redirect("cocreation:meeting", pk=meeting.pk)


@login_required
@require_POST
def meeting_report(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = or_404(selectors.meeting_get, pk)
    if not request.user.has_perm("cocreation.host_meeting", meeting):
        raise PermissionDenied
    form = MeetingReportForm(request.POST, meeting=meeting)

    def record(data: dict[str, Any]) -> HttpResponse:
        services.meeting_report(
            meeting=meeting,
            actor=request.user,  # type: ignore[arg-type]
            minutes=data["minutes"],
            attended=[int(x) for x in data["attended"]],
            proposals=data["proposals"],
        )
        messages.success(request, _("The minutes and attendance are recorded."))
        return redirect("cocreation:meeting", pk=meeting.pk)

    return form_write(form, record) or _meeting_page(request, meeting, form)


def _ics_text(text: str) -> str:
    return (
        text.replace("\r", "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting as an iCalendar event, to add to a calendar."""
    meeting = or_404(selectors.meeting_get, pk)
    fmt = "%Y%m%dT%H%M%SZ"
    utc = UTC
    url = request.build_absolute_uri(reverse("cocreation:meeting", args=[meeting.pk]))
    location = meeting.place or meeting.online_url
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//cocity//co-creation//EN",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{request.get_host()}",
        f"DTSTAMP:{meeting.created_at.astimezone(utc).strftime(fmt)}",
        f"DTSTART:{meeting.starts_at.astimezone(utc).strftime(fmt)}",
        f"DTEND:{meeting.ends_at.astimezone(utc).strftime(fmt)}",
        f"SUMMARY:{_ics_text(meeting.title)}",
        f"DESCRIPTION:{_ics_text(meeting.agenda)}",
        f"LOCATION:{_ics_text(location)}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    response = HttpResponse(
        "\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


# --- gate surveys, goal edits, computed measurements ------------------------------------------


@login_required
@require_POST
def survey_answer(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = or_404(selectors.initiative_get, pk)

    def answer(data: dict[str, Any]) -> HttpResponse:
        services.survey_answer(initiative=initiative, user=request.user, **data)  # type: ignore[arg-type]
        messages.success(request, _("Thank you: your answer is shown with the decision."))
        return redirect("cocreation:initiative", pk=initiative.pk)

    form = SurveyForm(request.POST)
    return form_write(form, answer) or _initiative_page(
        request, initiative, status=400, survey_form=form
    )


def _goal_edit(
    request: HttpRequest,
    goal: Indicator | Milestone,
    form_class: Any,
    write: Callable[[dict[str, Any]], object],
    *,
    done: str,
    heading: str,
    goals_open: bool,
) -> HttpResponse:
    """The page that changes an indicator's or a milestone's definition: its form filled with
    the current values; once saved (``write(cleaned_data)``), back to the initiative."""
    form = form_class(
        request.POST or None, initial={f: getattr(goal, f) for f in form_class.base_fields}
    )

    def save(data: dict[str, Any]) -> HttpResponse:
        write(data)
        messages.success(request, done)
        return redirect("cocreation:initiative", pk=goal.initiative_id)

    return form_write(form, save) or render(
        request,
        "cocreation/goal_edit.html",
        {"form": form, "initiative": goal.initiative, "heading": heading, "goals_open": goals_open},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _goal(request, Indicator, pk, "category")
    return _goal_edit(
        request,
        indicator,
        IndicatorForm,
        lambda data: services.indicator_edit(indicator=indicator, actor=request.user, **data),  # type: ignore[arg-type]
        done=_("The indicator is changed."),
        heading=_("Change the indicator “%(name)s”") % {"name": indicator.name},
        goals_open=indicator.initiative.stage in GOALS_OPEN,
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = _goal(request, Milestone, pk)
    return _goal_edit(
        request,
        milestone,
        MilestoneForm,
        lambda data: services.milestone_edit(milestone=milestone, actor=request.user, **data),  # type: ignore[arg-type]
        done=_("The milestone is changed."),
        heading=_("Change the milestone “%(title)s”") % {"title": milestone.title},
        goals_open=milestone.done_on is None,
    )


@login_required
@require_POST
def measurements_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the background task that records today's computed values (report counts, sensor
    aggregates) now."""
    initiative = _managed(request, pk)
    measurements_fill_task.enqueue()
    messages.success(request, _("Today's computed values are being recorded."))
    return redirect("cocreation:initiative", pk=initiative.pk)
