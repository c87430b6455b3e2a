"""Writes of the investment app: campaigns, pledges of money and time, matching calls and
offerings. Each write validates, saves, records the audit entry and defers notifications."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cocity.budgeting.models import Idea
from cocity.cocreation.models import Initiative
from cocity.compute.invest import matching
from cocity.compute.invest import offering as offering_rule
from cocity.core.errors import Conflict, DomainError, NotAllowed, full_clean
from cocity.core.models import Area, Organisation, User
from cocity.core.services import audit_record, notification_send
from cocity.investment import payments
from cocity.investment.models import (
    Campaign,
    MatchingCall,
    Offering,
    OfferingRequest,
    Pledge,
    Signup,
    VolunteerRole,
)

COUNTED = (Pledge.Status.PROMISED, Pledge.Status.COLLECTED)
PLEDGES_FORMAT = "cocity-invest-pledges/1"

PLEDGED = gettext_noop("You pledged %(amount)s to “%(title)s”. Nothing is charged yet.")
FUNDED = gettext_noop("“%(title)s” reached its goal: your pledge of %(amount)s will be collected.")
SECOND_ROUND = gettext_noop(
    "“%(title)s” reached its minimum and opens a second round towards its optimum goal."
)
MISSED = gettext_noop("“%(title)s” missed its minimum: your pledge of %(amount)s is released.")
MATCHED = gettext_noop("The match of “%(call)s” is computed: see how the pot was split.")
SIGNED_UP = gettext_noop("You signed up as “%(role)s” for “%(title)s”.")
REMINDER = gettext_noop("Reminder: you volunteer as “%(role)s” for “%(title)s” on %(date)s.")
ALLOCATED = gettext_noop("“%(title)s” is allocated: you get %(units)s of the units you asked for.")


def money(cents: int) -> str:
    """Cents as euros for a notification (``1250`` -> ``12.50``)."""
    return f"{cents / 100:,.2f}"


def _require_manager(actor: User) -> None:
    if not actor.has_perm("investment.manage"):
        raise NotAllowed()


# --- matching calls -------------------------------------------------------------------------


def rule_clean(rule: dict[str, Any]) -> dict[str, Any]:
    try:
        return matching.Rule.from_dict(rule).to_dict()
    except (matching.MatchError, ValueError) as exc:
        raise DomainError(str(exc), fields={"rule": [str(exc)]}) from exc


@transaction.atomic
def call_create(
    *,
    actor: User,
    slug: str,
    title: str,
    sponsor: Organisation,
    rule: dict[str, Any],
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
) -> MatchingCall:
    _require_manager(actor)
    call = MatchingCall(
        slug=slug,
        title=title,
        description=description,
        sponsor=sponsor,
        rule=rule_clean(rule),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
    )
    full_clean(call)
    call.save()
    audit_record(action="investment.call_created", actor=actor, obj=call, data=call.rule)
    return call


@transaction.atomic
def call_set_rule(*, actor: User, call: MatchingCall, rule: dict[str, Any]) -> MatchingCall:
    """Change the rule of a call that has not opened yet; once open, the rule is fixed."""
    _require_manager(actor)
    if timezone.now() >= call.opens_at:
        raise Conflict(_("The call is open: its published rule cannot change."))
    call.rule = rule_clean(rule)
    call.save(update_fields=["rule"])
    audit_record(action="investment.call_rule_set", actor=actor, obj=call, data=call.rule)
    return call


def call_export(call: MatchingCall) -> dict[str, Any]:
    """The call's rule, campaigns and pledges in the published format (pledgers as
    ``p1``, ``p2``... in order of first pledge: the same person is the same label, no names)."""
    campaigns = list(call.campaigns.select_related("area").order_by("pk"))
    totals = dict(
        Pledge.objects.filter(campaign__call=call, status__in=COUNTED)
        .values_list("campaign_id")
        .annotate(total=Sum("amount"))
    )
    labels: dict[int, str] = {}
    pledges = []
    # a failed campaign's released pledges are listed too (its project is not eligible)
    shown = (*COUNTED, Pledge.Status.RELEASED, Pledge.Status.REFUNDED)
    rows = (
        Pledge.objects.filter(campaign__call=call, status__in=shown)
        .order_by("created_at", "pk")
        .values_list("campaign__slug", "pledger_id", "amount")
    )
    for slug, pledger_id, amount in rows:
        label = labels.setdefault(pledger_id, f"p{len(labels) + 1}")
        pledges.append({"project": slug, "pledger": label, "amount": amount})
    return {
        "format": PLEDGES_FORMAT,
        "call": call.slug,
        "rule": call.rule,
        "projects": [
            {
                "id": c.slug,
                "district": c.area.code if c.area else "",
                "eligible": (totals.get(c.pk) or 0) >= c.goal_minimum,
                "minimum": c.goal_minimum,
            }
            for c in campaigns
        ],
        "pledges": pledges,
    }


def _canonical_sha256(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def call_close(*, actor: User, call: MatchingCall) -> MatchingCall:
    """Close the call now: close its campaigns at their current totals, then split the pot by
    the published rule and store the result with what it takes to reproduce it."""
    _require_manager(actor)
    call = MatchingCall.objects.select_for_update().get(pk=call.pk)
    if call.status == MatchingCall.Status.COMPUTED:
        raise Conflict(_("The match of this call is already computed."))
    now = timezone.now()
    if now < call.opens_at:
        raise Conflict(_("The call has not opened yet."))
    for campaign in call.campaigns.filter(status__in=[Campaign.Status.OPEN]):
        campaign_close(campaign=campaign, final=True)
    export = call_export(call)
    projects = [matching.Project(p["id"], p["district"], p["eligible"]) for p in export["projects"]]
    pledges = [matching.Pledge(p["project"], p["pledger"], p["amount"]) for p in export["pledges"]]
    result = matching.match(matching.Rule.from_dict(call.rule), projects, pledges).to_dict()
    call.result = result
    call.result_sha256 = _canonical_sha256(result)
    call.computed_at = now
    call.closes_at = min(call.closes_at, now)
    call.status = MatchingCall.Status.COMPUTED
    call.save()
    audit_record(
        action="investment.call_computed",
        actor=actor,
        obj=call,
        data={"result_sha256": call.result_sha256, "spent": result["spent"]},
    )
    pledgers = User.objects.filter(pledges__campaign__call=call).distinct()
    link = reverse("investment:call", kwargs={"slug": call.slug})
    params = {"call": call.title[:120]}
    transaction.on_commit(
        lambda: notification_send(
            recipients=list(pledgers), verb="invest.matched", text=MATCHED, params=params, link=link
        )
    )
    return call


# --- campaigns ------------------------------------------------------------------------------


def _is_budget_winner(idea: Idea) -> bool:
    result = getattr(idea.envelope, "result", None)
    return result is not None and str(idea.pk) in {str(w) for w in result.winners}


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    slug: str,
    title: str,
    deadline: datetime,
    goal_minimum: int = 0,
    goal_optimum: int = 0,
    description: str = "",
    initiative: Initiative | None = None,
    idea: Idea | None = None,
    organisation: Organisation | None = None,
    area: Area | None = None,
    call: MatchingCall | None = None,
    second_round_deadline: datetime | None = None,
) -> Campaign:
    """Open a campaign for a community project. An organisation's member may open one for a
    project their organisation proposes; officials for any initiative or budget winner."""
    manager = actor.has_perm("investment.manage")
    if not manager and not (
        organisation is not None and organisation.members.filter(pk=actor.pk).exists()
    ):
        raise NotAllowed()
    if idea is not None and not _is_budget_winner(idea):
        raise DomainError(
            _("Only a winning project of a budget can have a campaign."),
            fields={"idea": [_("Not a winning project.")]},
        )
    if call is not None and call.status != MatchingCall.Status.OPEN:
        raise Conflict(_("The matching call is closed."))
    campaign = Campaign(
        slug=slug,
        title=title,
        description=description,
        initiative=initiative,
        idea=idea,
        organisation=organisation,
        area=area,
        call=call,
        goal_minimum=goal_minimum,
        goal_optimum=max(goal_optimum, goal_minimum),
        deadline=deadline,
        second_round_deadline=second_round_deadline,
        created_by=actor,
    )
    full_clean(campaign)
    campaign.save()
    audit_record(
        action="investment.campaign_created",
        actor=actor,
        obj=campaign,
        data={"minimum": goal_minimum, "optimum": campaign.goal_optimum},
    )
    return campaign


def campaign_total(campaign: Campaign) -> int:
    total = campaign.pledges.filter(status__in=COUNTED).aggregate(t=Sum("amount"))["t"]
    return int(total or 0)


def current_deadline(campaign: Campaign) -> datetime:
    if campaign.status == Campaign.Status.SECOND_ROUND and campaign.second_round_deadline:
        return campaign.second_round_deadline
    return campaign.deadline


@transaction.atomic
def pledge_make(
    *, pledger: User, campaign: Campaign, amount: int, named: bool = False
) -> tuple[Pledge, payments.PaymentRequest]:
    """Record a promise of money (cents). Nothing is charged: the payment backend says how the
    money will be asked for once the campaign reaches its minimum."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_open or timezone.now() >= current_deadline(campaign):
        raise Conflict(_("This campaign no longer takes pledges."))
    if amount <= 0:
        raise DomainError(
            _("Pledge a positive amount."),
            fields={"amount": [_("Pledge a positive amount.")]},
        )
    pledge = Pledge(
        campaign=campaign,
        pledger=pledger,
        amount=amount,
        named=named,
        round=2 if campaign.status == Campaign.Status.SECOND_ROUND else 1,
    )
    full_clean(pledge)
    pledge.save()
    request = payments.backend().request(pledge)
    pledge.payment_reference = request.reference[:120]
    pledge.save(update_fields=["payment_reference"])
    audit_record(
        action="investment.pledged",
        actor=pledger,
        obj=pledge,
        data={"campaign": campaign.slug, "amount": amount},
    )
    params = {"amount": money(amount), "title": campaign.title[:120]}
    link = reverse("investment:campaign", kwargs={"slug": campaign.slug})
    transaction.on_commit(
        lambda: notification_send(
            recipients=[pledger], verb="invest.pledged", text=PLEDGED, params=params, link=link
        )
    )
    return pledge, request


@transaction.atomic
def pledge_mark_collected(*, actor: User, pledge: Pledge) -> Pledge:
    """The offline backend's step: an official records that the money arrived."""
    _require_manager(actor)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.status != Pledge.Status.PROMISED:
        raise Conflict(_("Only a promised pledge can be marked collected."))
    pledge.status = Pledge.Status.COLLECTED
    pledge.collected_at = timezone.now()
    pledge.save(update_fields=["status", "collected_at"])
    audit_record(action="investment.pledge_collected", actor=actor, obj=pledge)
    return pledge


def _notify_pledgers(campaign: Campaign, verb: str, text: str) -> None:
    link = reverse("investment:campaign", kwargs={"slug": campaign.slug})
    for pledge in campaign.pledges.select_related("pledger"):
        params = {"amount": money(pledge.amount), "title": campaign.title[:120]}
        notification_send(
            recipients=[pledge.pledger], verb=verb, text=text, params=params, link=link
        )


@transaction.atomic
def campaign_close(*, campaign: Campaign, final: bool = False) -> Campaign:
    """Close a campaign at its deadline: funded when it reached its minimum (or a second round
    when it has one and is below its optimum), else failed, its pledges released and collected
    money refunded through the payment backend. ``final`` closes without a second round."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_open:
        return campaign
    total = campaign_total(campaign)
    if total >= campaign.goal_minimum:
        if (
            not final
            and campaign.status == Campaign.Status.OPEN
            and campaign.second_round_deadline
            and total < campaign.goal_optimum
        ):
            campaign.status = Campaign.Status.SECOND_ROUND
            verb, text = "invest.second_round", SECOND_ROUND
        else:
            campaign.status = Campaign.Status.SUCCEEDED
            campaign.closed_at = timezone.now()
            verb, text = "invest.funded", FUNDED
    else:
        campaign.status = Campaign.Status.FAILED
        campaign.closed_at = timezone.now()
        backend = payments.backend()
        for pledge in campaign.pledges.filter(status=Pledge.Status.COLLECTED):
            backend.refund(pledge)
        campaign.pledges.filter(status=Pledge.Status.COLLECTED).update(
            status=Pledge.Status.REFUNDED
        )
        campaign.pledges.filter(status=Pledge.Status.PROMISED).update(status=Pledge.Status.RELEASED)
        verb, text = "invest.missed", MISSED
    campaign.save(update_fields=["status", "closed_at"])
    audit_record(
        action="investment.campaign_closed",
        obj=campaign,
        data={"status": campaign.status, "total": total},
    )
    transaction.on_commit(lambda: _notify_pledgers(campaign, verb, text))
    return campaign


def campaigns_close_due(*, now: datetime | None = None) -> int:
    """Close every open campaign whose deadline (or second round's) has passed."""
    now = now or timezone.now()
    due = Campaign.objects.filter(status=Campaign.Status.OPEN, deadline__lte=now) | (
        Campaign.objects.filter(status=Campaign.Status.SECOND_ROUND, second_round_deadline__lte=now)
    )
    closed = 0
    for campaign in due:
        campaign_close(campaign=campaign)
        closed += 1
    return closed


# --- pledges of time ------------------------------------------------------------------------


@transaction.atomic
def role_add(
    *,
    actor: User,
    campaign: Campaign,
    title: str,
    starts_at: datetime,
    slots: int,
    hours: int = 2,
    description: str = "",
) -> VolunteerRole:
    if not actor.has_perm("investment.manage") and campaign.created_by_id != actor.pk:
        raise NotAllowed()
    role = VolunteerRole(
        campaign=campaign,
        title=title,
        description=description,
        starts_at=starts_at,
        slots=slots,
        hours=hours,
    )
    full_clean(role)
    role.save()
    audit_record(action="investment.role_added", actor=actor, obj=role, data={"slots": slots})
    return role


@transaction.atomic
def signup_make(*, volunteer: User, role: VolunteerRole, named: bool = False) -> Signup:
    role = VolunteerRole.objects.select_for_update().select_related("campaign").get(pk=role.pk)
    if not role.campaign.is_open or timezone.now() >= role.starts_at:
        raise Conflict(_("This role no longer takes volunteers."))
    if role.signups.filter(volunteer=volunteer).exists():
        raise Conflict(_("You already signed up for this role."))
    if role.signups.count() >= role.slots:
        raise Conflict(_("All the slots of this role are taken."))
    signup = Signup.objects.create(role=role, volunteer=volunteer, named=named)
    audit_record(action="investment.signed_up", actor=volunteer, obj=signup)
    params = {"role": role.title[:80], "title": role.campaign.title[:120]}
    link = reverse("investment:campaign", kwargs={"slug": role.campaign.slug})
    transaction.on_commit(
        lambda: notification_send(
            recipients=[volunteer],
            verb="invest.signed_up",
            text=SIGNED_UP,
            params=params,
            link=link,
        )
    )
    return signup


@transaction.atomic
def signup_cancel(*, volunteer: User, role: VolunteerRole) -> int:
    deleted, _count = Signup.objects.filter(role=role, volunteer=volunteer).delete()
    if deleted:
        audit_record(action="investment.signup_cancelled", actor=volunteer, obj=role)
    return deleted


def reminders_due(
    *, now: datetime | None = None, ahead: timedelta = timedelta(days=1)
) -> list[int]:
    """Roles starting within ``ahead`` whose volunteers have not been reminded yet."""
    now = now or timezone.now()
    return list(
        VolunteerRole.objects.filter(
            reminded_at=None, starts_at__gt=now, starts_at__lte=now + ahead
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def role_remind(*, role: VolunteerRole) -> list[User]:
    """Notify each volunteer of a role once; returns them (the task e-mails those who allow)."""
    role = VolunteerRole.objects.select_for_update().select_related("campaign").get(pk=role.pk)
    if role.reminded_at is not None:
        return []
    volunteers = [s.volunteer for s in role.signups.select_related("volunteer")]
    role.reminded_at = timezone.now()
    role.save(update_fields=["reminded_at"])
    params = {
        "role": role.title[:80],
        "title": role.campaign.title[:120],
        "date": timezone.localtime(role.starts_at).strftime("%Y-%m-%d %H:%M"),
    }
    link = reverse("investment:campaign", kwargs={"slug": role.campaign.slug})
    notification_send(
        recipients=volunteers, verb="invest.reminder", text=REMINDER, params=params, link=link
    )
    return volunteers


# --- offerings ------------------------------------------------------------------------------


@transaction.atomic
def offering_create(*, actor: User, **fields: Any) -> Offering:
    _require_manager(actor)
    offering = Offering(**fields)
    full_clean(offering)
    offering.save()
    audit_record(
        action="investment.offering_created",
        actor=actor,
        obj=offering,
        data={"units": offering.units, "seed": offering.seed},
    )
    return offering


@transaction.atomic
def offering_request(*, applicant: User, offering: Offering, units: int) -> OfferingRequest:
    """Ask for units (or change how many) while the offering is open; the time of asking
    gives no advantage."""
    now = timezone.now()
    if offering.status != Offering.Status.OPEN or not (
        offering.opens_at <= now < offering.closes_at
    ):
        raise Conflict(_("This offering does not take requests now."))
    if not 1 <= units <= offering.cap_per_person:
        message = _("Ask for between 1 and the most units per person.")
        raise DomainError(message, fields={"units": [message]})
    request, _created = OfferingRequest.objects.update_or_create(
        offering=offering, applicant=applicant, defaults={"units": units}
    )
    audit_record(action="investment.offering_requested", actor=applicant, obj=request)
    return request


@transaction.atomic
def offering_allocate(*, actor: User, offering: Offering) -> Offering:
    """Close the offering now and allocate it by the published rule and seed."""
    _require_manager(actor)
    offering = Offering.objects.select_for_update().get(pk=offering.pk)
    if offering.status != Offering.Status.OPEN:
        raise Conflict(_("This offering is already allocated."))
    requests = list(offering.requests.select_related("applicant"))
    allocation = offering_rule.allocate(
        offering.units,
        {str(r.pk): r.units for r in requests},
        seed=offering.seed,
        cap_per_person=offering.cap_per_person,
    )
    for request in requests:
        request.allocated = allocation.units[str(request.pk)]
    OfferingRequest.objects.bulk_update(requests, ["allocated"])
    now = timezone.now()
    offering.allocation = allocation.to_dict()
    offering.status = Offering.Status.ALLOCATED
    offering.allocated_at = now
    offering.closes_at = min(offering.closes_at, now)
    if offering.closes_at <= offering.opens_at:
        offering.closes_at = offering.opens_at + timedelta(seconds=1)
    offering.save()
    audit_record(
        action="investment.offering_allocated",
        actor=actor,
        obj=offering,
        data={"level": allocation.level, "lottery": allocation.lottery},
    )
    link = reverse("investment:offering", kwargs={"slug": offering.slug})

    def send() -> None:
        for request in requests:
            notification_send(
                recipients=[request.applicant],
                verb="invest.allocated",
                text=ALLOCATED,
                params={"title": offering.title[:120], "units": request.allocated},
                link=link,
            )

    transaction.on_commit(send)
    return offering
