"""HTML pages of co-written plans. Every page works without JavaScript; a small script lets a
reader select a passage in a section to quote it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cocity.cocreation.models_plans import Plan, PlanSection, PlanVersion
from cocity.cocreation.plans import selectors, services
from cocity.cocreation.plans.forms import (
    AmendmentForm,
    DecisionForm,
    PlanCommentForm,
    PlanImportForm,
    PublishForm,
    SectionEditForm,
    SectionMoveForm,
)
from cocity.core.errors import form_write, or_404
from cocity.core.text import csv_cell

COMMENTS_PER_PAGE = 20


def _plan(pk: int) -> Plan:
    return or_404(selectors.plan_get, pk)


def _section(pk: int, sid: int) -> PlanSection:
    section = or_404(selectors.section_get, sid)
    if section.plan_id != pk:
        raise Http404
    return section


def _to_section(section: PlanSection) -> HttpResponse:
    return redirect("cocreation:plan_section", pk=section.plan_id, sid=section.pk)


def _manager(request: HttpRequest) -> Any:
    if not request.user.has_perm("cocreation.manage_plan"):
        raise PermissionDenied
    return request.user


def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cocreation/plans/plan_list.html",
        {"plans": selectors.plans(), "can_create": request.user.has_perm("cocreation.manage_plan")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = PlanImportForm(request.POST or None, request.FILES or None)

    def publish(data: dict[str, Any]) -> HttpResponse:
        plan = services.plan_import(actor=actor, markdown=data["markdown"], title=data["title"])
        messages.success(request, _("The draft plan is published: residents can comment."))
        return redirect("cocreation:plan", pk=plan.pk)

    return form_write(form, publish) or render(
        request, "cocreation/plans/plan_form.html", {"form": form}
    )


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    return render(
        request,
        "cocreation/plans/plan_detail.html",
        {
            "plan": plan,
            "sections": selectors.plan_sections(plan),
            "versions": selectors.plan_versions(plan),
            "can_manage": request.user.has_perm("cocreation.manage_plan"),
            "is_follower": selectors.is_plan_follower(plan=plan, user=request.user),
            "publish_form": PublishForm(),
        },
    )


@login_required
@require_POST
def plan_follow(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    follow = request.POST.get("follow") != "0"
    services.plan_follow(plan=plan, user=request.user, follow=follow)  # type: ignore[arg-type]
    messages.success(
        request, _("You follow this plan.") if follow else _("You no longer follow this plan.")
    )
    return redirect("cocreation:plan", pk=plan.pk)


@login_required
@require_POST
def plan_section_move(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """Move a section one place up or down (``direction``), or to a ``position``."""
    section = _section(pk, sid)
    actor = _manager(request)
    form = SectionMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose where to move the section."))
    else:
        position = form.cleaned_data["position"] or section.position + (
            -1 if form.cleaned_data["direction"] == "up" else 1
        )
        services.section_move(section=section, actor=actor, position=position)
        messages.success(
            request,
            _("“%(heading)s” moved; publish a version to show the new order.")
            % {"heading": section.heading},
        )
    return redirect(f"{reverse('cocreation:plan', args=[pk])}#section-{sid}")


@login_required
@require_POST
def plan_open(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    services.plan_set_open(plan=plan, actor=_manager(request), open=request.POST.get("open") == "1")
    return redirect("cocreation:plan", pk=plan.pk)


@login_required
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    version = services.plan_publish(plan=plan, actor=_manager(request), note=note)
    messages.success(request, _("Version %(n)d is published.") % {"n": version.number})
    return redirect("cocreation:plan_version", pk=plan.pk, number=version.number)


def _section_page(
    request: HttpRequest,
    section: PlanSection,
    *,
    comment_form: PlanCommentForm | None = None,
    amendment_form: AmendmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    page = Paginator(
        selectors.section_comments(section, user).order_by("-created_at", "-id"),
        COMMENTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    can_manage = user.has_perm("cocreation.manage_plan")
    can_contribute = section.plan.open and user.has_perm("cocreation.contribute_plan")
    around = PlanSection.objects.filter(plan_id=section.plan_id).values("pk", "heading")
    return render(
        request,
        "cocreation/plans/plan_section.html",
        {
            "plan": section.plan,
            "section": section,
            "uid": user.pk,
            "previous": around.filter(position__lt=section.position).order_by("-position").first(),
            "next": around.filter(position__gt=section.position).order_by("position").first(),
            "page": page,
            "groups": selectors.comment_groups(section) if page.paginator.count > 1 else None,
            "amendments": selectors.section_amendments(section, user),
            "can_manage": can_manage,
            "can_contribute": can_contribute,
            "can_flag": user.has_perm("cocreation.contribute_plan"),
            "can_moderate": user.has_perm("cocreation.moderate"),
            "comment_form": comment_form or PlanCommentForm(user=user, prefix="comment"),
            "amendment_form": amendment_form or AmendmentForm(user=user, prefix="amend"),
            "decision_form": DecisionForm(),
            "edit_form": SectionEditForm(initial={"body": section.body}) if can_manage else None,
        },
        status=status,
    )


def plan_section(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    return _section_page(request, _section(pk, sid))


def _contribute(
    request: HttpRequest,
    section: PlanSection,
    form: PlanCommentForm | AmendmentForm,
    write: Callable[..., object],
    done: str,
) -> HttpResponse:
    """A comment or an amendment on a section: ``write(section=, author=, **cleaned_data)``,
    then back to the section; on any error the section's page again with the form (400)."""

    def contribute(data: dict[str, Any]) -> HttpResponse:
        write(section=section, author=request.user, **data)
        messages.success(request, done)
        return _to_section(section)

    if (response := form_write(form, contribute)) is not None:
        return response
    if isinstance(form, AmendmentForm):
        return _section_page(request, section, amendment_form=form, status=400)
    return _section_page(request, section, comment_form=form, status=400)


@login_required
@require_POST
def plan_comment(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    section = _section(pk, sid)
    form = PlanCommentForm(request.POST, user=request.user, prefix="comment")
    return _contribute(
        request, section, form, services.plan_comment_add, _("Your comment is published.")
    )


@login_required
@require_POST
def plan_amend(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    section = _section(pk, sid)
    form = AmendmentForm(request.POST, user=request.user, prefix="amend")
    done = _("Your amendment is published: others can support it.")
    return _contribute(request, section, form, services.amendment_propose, done)


@login_required
@require_POST
def plan_section_edit(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    section = _section(pk, sid)
    actor = _manager(request)
    form = SectionEditForm(request.POST)
    if form.is_valid():
        services.section_edit(section=section, actor=actor, body=form.cleaned_data["body"])
        messages.success(request, _("The section's text is saved; publish a version to show it."))
    return _to_section(section)


@login_required
@require_POST
def amendment_support(request: HttpRequest, aid: int) -> HttpResponse:
    amendment = or_404(selectors.amendment_get, aid)
    support = request.POST.get("support", "1") == "1"
    services.amendment_support(amendment=amendment, user=request.user, support=support)  # type: ignore[arg-type]
    return _to_section(amendment.section)


@login_required
@require_POST
def amendment_decide(request: HttpRequest, aid: int) -> HttpResponse:
    amendment = or_404(selectors.amendment_get, aid)
    actor = _manager(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or reject and give a reason."))
    else:
        accept = form.cleaned_data["decision"] == "accept"
        services.amendment_decide(
            amendment=amendment, actor=actor, accept=accept, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("The amendment is accepted: the section's text changed.")
            if accept
            else _("The amendment is rejected; its author is told why."),
        )
    return _to_section(amendment.section)


@login_required
@require_POST
def comment_address(request: HttpRequest, cid: int) -> HttpResponse:
    comment = or_404(selectors.comment_get, cid)
    services.plan_comment_address(
        comment=comment, actor=_manager(request), addressed=request.POST.get("addressed") == "1"
    )
    return _to_section(comment.section)


@login_required
@require_POST
def comment_flag(request: HttpRequest, cid: int) -> HttpResponse:
    """Flag a comment for the moderators, with an optional word on what is wrong."""
    comment = or_404(selectors.comment_get, cid)
    services.plan_comment_flag(
        comment=comment,
        user=request.user,  # type: ignore[arg-type]
        reason=request.POST.get("reason", "")[:300],
    )
    messages.success(request, _("Thank you: a moderator will look at this comment."))
    section = comment.section
    return redirect(
        f"{reverse('cocreation:plan_section', args=[section.plan_id, section.pk])}#comment-{cid}"
    )


@login_required
@require_POST
def comment_moderate(request: HttpRequest, cid: int) -> HttpResponse:
    """A moderator hides a flagged comment with a reason, or dismisses its flags; back to the
    moderation page, where flagged comments wait beside proposals' comments."""
    if not request.user.has_perm("cocreation.moderate"):
        raise PermissionDenied
    comment = or_404(selectors.comment_get, cid)
    hide = request.POST.get("action") == "hide"
    services.plan_comment_moderate(
        comment=comment,
        actor=request.user,  # type: ignore[arg-type]
        hide=hide,
        reason=request.POST.get("reason", ""),
    )
    messages.success(
        request,
        _("The comment is hidden; its author is told why.")
        if hide
        else _("The flags are dismissed; the comment stays."),
    )
    return redirect("cocreation:moderation")


def _version(plan: Plan, number: int) -> PlanVersion:
    return or_404(selectors.version_get, plan, number)


def plan_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A version of the plan: each section's differences to the version before, and for each
    change the contributions that caused it (the reader's own marked)."""
    plan = _plan(pk)
    version = _version(plan, number)
    changes = selectors.version_changes(version, request.user)
    return render(
        request,
        "cocreation/plans/plan_version.html",
        {
            "plan": plan,
            "version": version,
            "changes": changes,
            "n_changed": sum(1 for c in changes if c["changed"]),
            "mine": any(c["mine"] for c in changes),
            "uid": request.user.pk,
        },
    )


def plan_version_markdown(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    plan = _plan(pk)
    version = _version(plan, number)
    response = HttpResponse(
        services.plan_markdown(plan, version), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}-v{number}.md"'
    return response


def _name(row: Any) -> str:
    if row.organisation is not None:
        return row.organisation.name
    return row.author.public_name if row.author is not None else ""


def plan_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every comment and amendment on the plan as CSV, one row each."""
    plan = _plan(pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}-contributions.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "kind",
            "id",
            "section",
            "heading",
            "author",
            "created_at",
            "passage",
            "text",
            "reason",
            "status",
            "supporters",
            "decision_reason",
            "version",
        ]
    )
    comments, amendments = selectors.plan_contributions(plan)
    for c in comments.iterator(chunk_size=2000):
        writer.writerow(
            [
                "comment",
                c.pk,
                c.section.position,
                csv_cell(c.section.heading),
                csv_cell(_name(c)),
                c.created_at.isoformat(),
                "" if c.hidden else csv_cell(c.quote),
                "" if c.hidden else csv_cell(c.body),
                "",
                "hidden" if c.hidden else "addressed" if c.addressed else "",
                "",
                "",
                c.applied_in or "",
            ]
        )
    for a in amendments.iterator(chunk_size=2000):
        writer.writerow(
            [
                "amendment",
                a.pk,
                a.section.position,
                csv_cell(a.section.heading),
                csv_cell(_name(a)),
                a.created_at.isoformat(),
                csv_cell(a.quote),
                csv_cell(a.text),
                csv_cell(a.reason),
                a.status,
                a.supporters,
                csv_cell(a.decision_reason),
                a.applied_in or "",
            ]
        )
    return response


@login_required
def plan_mine(request: HttpRequest) -> HttpResponse:
    """What changed because of you: the signed-in person's amendments and what became of them,
    and their comments taken into account, each with the version that carried it."""
    return render(
        request, "cocreation/plans/plan_mine.html", selectors.contributions_of(request.user)
    )
