"""Writes of co-creation. Each validates before it writes, writes in one transaction, records an
audit entry, and tells the challenge's followers after the commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from cocity.cocreation import selectors
from cocity.cocreation.emails import email_followers_task
from cocity.cocreation.models import (
    GATES,
    GOALS_OPEN,
    Challenge,
    ChallengeFollow,
    Comment,
    Endorsement,
    GateDecision,
    Indicator,
    Initiative,
    Measurement,
    Meeting,
    MeetingRegistration,
    Milestone,
    Proposal,
    ProposalAmendment,
    ProposalVersion,
    ProposalWord,
    Stage,
    SurveyResponse,
)
from cocity.compute.cocreation import meaningful_words
from cocity.core.errors import Conflict, DomainError, NotAllowed, full_clean
from cocity.core.models import Area, Organisation, User
from cocity.core.services import (
    PERSONAL_DATA_EXPORTERS,
    audit_record,
    notification_send,
    rejection_reason_clean,
)
from cocity.deliberation.models import Conversation
from cocity.needs.models import Report, ServiceCategory

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 2000

# Notification texts (translated when shown)
NEW_PROPOSAL = gettext_noop("New proposal on the challenge “%(challenge)s”: %(title)s")
PROPOSAL_EDITED = gettext_noop("The proposal “%(title)s” has a new version (%(version)s).")
COAUTHOR_INVITED = gettext_noop("You are now a co-author of the proposal “%(title)s”.")
NEW_INITIATIVE = gettext_noop("The proposal “%(title)s” became an initiative of the city.")
STAGE_CHANGED = gettext_noop("The initiative “%(title)s” moved to the stage %(stage)s.")
MILESTONE_DONE = gettext_noop("The initiative “%(title)s” reached a milestone: %(milestone)s")
MEASURED = gettext_noop("New measurement for “%(title)s”: %(indicator)s = %(value)s %(unit)s")
BUDGET_WIN = gettext_noop(
    "The initiative “%(title)s” follows a project funded by the participatory budget "
    "“%(process)s”: %(project)s"
)
COMMENT_REJECTED = gettext_noop("Your comment on “%(title)s” was not published. Reason: %(reason)s")


def _msgid(text: Any) -> str:
    """A lazy translatable text as its English original (its msgid), for stored parameters
    that are translated when shown."""
    with override(None):
        return str(text)


def _clean_text(text: str) -> str:
    return (text or "").strip()


def _require(user: User | None, perm: str, obj: Any = None) -> User:
    if user is None or not user.is_authenticated or not user.has_perm(perm, obj):
        raise NotAllowed()
    return user


def _notify(
    challenge: Challenge,
    *,
    verb: str,
    text: str,
    params: dict[str, Any],
    link: str,
    also: Iterable[User] = (),
    skip: User | None = None,
) -> None:
    """After the commit, tell the challenge's followers (and ``also``), not the one who acted."""

    def send() -> None:
        people = [*selectors.challenge_followers(challenge), *also]
        notification_send(
            recipients=[p for p in people if skip is None or p.pk != skip.pk],
            verb=verb,
            text=text,
            params=params,
            link=link,
        )
        # and by e-mail to the followers who allowed it (a background task)
        email_followers_task.enqueue(
            challenge.pk, text, dict(params), link, skip.pk if skip else None
        )

    transaction.on_commit(send)


# --- challenges -------------------------------------------------------------------------------


@transaction.atomic
def challenge_create(
    *,
    actor: User,
    title: str,
    statement: str,
    most_affected: str = "",
    areas: Iterable[Area] = (),
    reports: Iterable[Report] = (),
    conversation: Conversation | None = None,
    organisation: Organisation | None = None,
) -> Challenge:
    """Frame a challenge from related reports (officials, organisation members, admins). An
    organisation member may lead it in the name of an organisation they belong to."""
    _require(actor, "cocreation.create_challenge")
    if organisation is not None and not actor.has_perm("core.act_for_organisation", organisation):
        raise NotAllowed(_("You can only lead a challenge for an organisation you belong to."))
    reports = list(reports)
    if not reports:
        raise DomainError(
            _("Link at least one report: a challenge starts from reported needs."),
            code="no_reports",
            fields={"reports": [_("Choose at least one report.")]},
        )
    challenge = Challenge(
        title=_clean_text(title),
        statement=_clean_text(statement),
        most_affected=_clean_text(most_affected),
        conversation=conversation,
        organisation=organisation,
        created_by=actor,
    )
    full_clean(challenge)
    challenge.save()
    areas = list(areas) or list({r.area for r in reports if r.area is not None})
    challenge.areas.set(areas)
    challenge.reports.set(reports)
    ChallengeFollow.objects.create(challenge=challenge, user=actor)
    audit_record(
        action="cocreation.challenge_created",
        actor=actor,
        obj=challenge,
        data={
            "title": challenge.title,
            "reports": sorted(r.pk for r in reports),
            "areas": sorted(a.code for a in areas),
            "organisation": organisation.slug if organisation else None,
        },
    )
    return challenge


@transaction.atomic
def challenge_follow(*, challenge: Challenge, user: User, follow: bool = True) -> bool:
    """Follow or unfollow a challenge. Returns whether anything changed."""
    _require(user, "core.participate")
    if follow:
        _, changed = ChallengeFollow.objects.get_or_create(challenge=challenge, user=user)
    else:
        changed = ChallengeFollow.objects.filter(challenge=challenge, user=user).delete()[0] > 0
    return changed


# --- proposals --------------------------------------------------------------------------------


def _proposal_link(proposal: Proposal) -> str:
    return reverse("cocreation:proposal", args=[proposal.pk])


@transaction.atomic
def proposal_submit(
    *,
    author: User,
    challenge: Challenge,
    title: str,
    body: str,
    organisation: Organisation | None = None,
) -> Proposal:
    """Answer a challenge with an idea (any signed-in person; in an organisation's name only by
    its members). Version 1 holds the submitted text."""
    _require(author, "cocreation.propose")
    if organisation is not None and not author.has_perm("core.act_for_organisation", organisation):
        raise NotAllowed(_("You can only propose for an organisation you belong to."))
    now = timezone.now()
    proposal = Proposal(
        challenge=challenge,
        title=_clean_text(title),
        body=_clean_text(body),
        author=author,
        organisation=organisation,
        created_at=now,
        updated_at=now,
    )
    full_clean(proposal)
    proposal.save()
    ProposalVersion.objects.create(
        proposal=proposal, number=1, title=proposal.title, body=proposal.body, editor=author
    )
    proposal_index_words(proposal)
    ChallengeFollow.objects.get_or_create(challenge=challenge, user=author)
    audit_record(
        action="cocreation.proposal_submitted",
        actor=author,
        obj=proposal,
        data={"challenge": challenge.pk, "title": proposal.title},
    )
    _notify(
        challenge,
        verb="cocreation.proposal_submitted",
        text=NEW_PROPOSAL,
        params={"challenge": challenge.title, "title": proposal.title},
        link=_proposal_link(proposal),
        skip=author,
    )
    return proposal


@transaction.atomic
def proposal_edit(
    *, proposal: Proposal, editor: User, title: str, body: str, note: str = ""
) -> ProposalVersion:
    """Save a new version (its author and co-authors). An unchanged text is refused."""
    _require(editor, "cocreation.edit_proposal", proposal)
    title, body = _clean_text(title), _clean_text(body)
    if title == proposal.title and body == proposal.body:
        raise DomainError(_("Nothing changed: this is the current text."), code="unchanged")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    proposal.title, proposal.body = title, body
    proposal.version += 1
    proposal.updated_at = timezone.now()
    full_clean(proposal)
    proposal.save(update_fields=["title", "body", "version", "updated_at"])
    version = ProposalVersion(
        proposal=proposal,
        number=proposal.version,
        title=title,
        body=body,
        editor=editor,
        note=_clean_text(note)[:200],
    )
    full_clean(version)
    version.save()
    proposal_index_words(proposal)
    audit_record(
        action="cocreation.proposal_edited",
        actor=editor,
        obj=proposal,
        data={"version": version.number},
    )
    _notify(
        proposal.challenge,
        verb="cocreation.proposal_edited",
        text=PROPOSAL_EDITED,
        params={"title": title, "version": version.number},
        link=_proposal_link(proposal),
        also=[u for u in [proposal.author, *proposal.coauthors.all()] if u is not None],
        skip=editor,
    )
    return version


def _find_person(who: str) -> User:
    """An active account by e-mail address or public name (exactly one)."""
    who = (who or "").strip()
    if "@" in who:
        found = list(User.objects.filter(email__iexact=who, is_active=True)[:2])
    else:
        found = list(User.objects.filter(display_name__iexact=who, is_active=True)[:2])
    if len(found) != 1:
        raise DomainError(
            _("No single person with that e-mail address or public name."),
            code="unknown_person",
            fields={"who": [_("Check the e-mail address or public name.")]},
        )
    return found[0]


@transaction.atomic
def proposal_invite_coauthor(*, proposal: Proposal, actor: User, who: str) -> User:
    """The author adds a co-author by e-mail address or public name; co-authors can edit."""
    _require(actor, "cocreation.invite_coauthor", proposal)
    person = _find_person(who)
    if person.pk == proposal.author_id or proposal.coauthors.filter(pk=person.pk).exists():
        raise Conflict(_("This person already writes this proposal."), code="already_coauthor")
    proposal.coauthors.add(person)
    audit_record(
        action="cocreation.coauthor_added",
        actor=actor,
        obj=proposal,
        data={"coauthor": person.pk},
    )
    link = _proposal_link(proposal)
    title = proposal.title
    transaction.on_commit(
        lambda: notification_send(
            recipients=[person],
            verb="cocreation.coauthor_added",
            text=COAUTHOR_INVITED,
            params={"title": title},
            link=link,
        )
    )
    return person


@transaction.atomic
def proposal_endorse(
    *, proposal: Proposal, user: User, organisation: Organisation | None = None
) -> bool:
    """Endorse as a person, or in the name of an organisation one belongs to. Returns False if
    that endorsement was already given."""
    _require(user, "core.participate")
    if organisation is not None and not user.has_perm("core.act_for_organisation", organisation):
        raise NotAllowed(_("You can only endorse for an organisation you belong to."))
    try:
        with transaction.atomic():
            Endorsement.objects.create(proposal=proposal, user=user, organisation=organisation)
    except IntegrityError:
        return False
    audit_record(
        action="cocreation.proposal_endorsed",
        actor=user,
        obj=proposal,
        data={"organisation": organisation.slug if organisation else None},
    )
    return True


@transaction.atomic
def comment_add(
    *, proposal: Proposal, author: User, body: str, parent: Comment | None = None
) -> Comment:
    """Comment on a proposal, or answer a comment. Trusted roles publish at once; other
    comments wait for a moderator (as statements in conversations do)."""
    _require(author, "cocreation.comment")
    text = _clean_text(body)
    if not text:
        raise DomainError(_("Write a comment first."), code="comment_empty")
    if len(text) > COMMENT_MAX_LENGTH:
        raise DomainError(
            _("A comment has at most %(max)d characters.") % {"max": COMMENT_MAX_LENGTH},
            code="comment_too_long",
        )
    if parent is not None and (
        parent.proposal_id != proposal.pk or parent.status != Comment.Status.ACCEPTED
    ):
        raise DomainError(_("You can only answer a published comment here."), code="bad_parent")
    trusted = author.has_perm("cocreation.trusted_comment")
    comment = Comment(
        proposal=proposal,
        parent=parent,
        author=author,
        body=text,
        status=Comment.Status.ACCEPTED if trusted else Comment.Status.PENDING,
    )
    full_clean(comment, exclude=["author", "moderated_by", "parent"])
    comment.save()
    audit_record(
        action="cocreation.comment_added",
        actor=author,
        obj=comment,
        data={"proposal": proposal.pk, "status": comment.status},
    )
    return comment


@transaction.atomic
def comment_moderate(*, comment: Comment, actor: User, status: str, reason: str = "") -> Comment:
    """Publish or reject a waiting comment (moderators, admins); a rejection needs a reason,
    which its author is told."""
    _require(actor, "cocreation.moderate")
    if status not in (Comment.Status.ACCEPTED, Comment.Status.REJECTED):
        raise DomainError(_("Unknown moderation decision."), code="unknown_status")
    reason = rejection_reason_clean(reason, rejecting=status == Comment.Status.REJECTED)
    comment.status = status
    comment.moderated_by = actor
    comment.moderated_at = timezone.now()
    comment.rejection_reason = reason if status == Comment.Status.REJECTED else ""
    comment.save(update_fields=["status", "moderated_by", "moderated_at", "rejection_reason"])
    audit_record(
        action="cocreation.comment_moderated",
        actor=actor,
        obj=comment,
        data={"proposal": comment.proposal_id, "status": status},
    )
    author = comment.author
    if author is not None and status == Comment.Status.REJECTED:
        params = {"title": comment.proposal.title, "reason": reason}
        link = _proposal_link(comment.proposal)
        transaction.on_commit(
            lambda: notification_send(
                recipients=[author],
                verb="cocreation.comment_rejected",
                text=COMMENT_REJECTED,
                params=params,
                link=link,
            )
        )
    return comment


# --- initiatives and the programme pipeline ---------------------------------------------------


def _initiative_link(initiative: Initiative) -> str:
    return reverse("cocreation:initiative", args=[initiative.pk])


def _authors(proposal: Proposal) -> list[User]:
    return [u for u in [proposal.author, *proposal.coauthors.all()] if u is not None]


@transaction.atomic
def initiative_create(*, proposal: Proposal, actor: User, title: str = "") -> Initiative:
    """An official takes a proposal into the programme pipeline, at the idea stage."""
    _require(actor, "cocreation.manage_initiative")
    if Initiative.objects.filter(proposal=proposal).exists():
        raise Conflict(_("This proposal is already an initiative."), code="already_initiative")
    initiative = Initiative(
        proposal=proposal, title=_clean_text(title) or proposal.title, created_by=actor
    )
    full_clean(initiative)
    initiative.save()
    audit_record(
        action="cocreation.initiative_created",
        actor=actor,
        obj=initiative,
        data={"proposal": proposal.pk, "title": initiative.title},
    )
    _notify(
        proposal.challenge,
        verb="cocreation.initiative_created",
        text=NEW_INITIATIVE,
        params={"title": proposal.title},
        link=_initiative_link(initiative),
        also=_authors(proposal),
        skip=actor,
    )
    return initiative


@transaction.atomic
def gate_decide(
    *,
    initiative: Initiative,
    actor: User,
    to_stage: str,
    criteria: str,
    note: str,
    decided_on: date | None = None,
) -> GateDecision:
    """Move an initiative through a gate, recording the criteria, the decision note and the
    date. Only the moves in ``GATES`` are possible; a pilot needs at least one indicator."""
    _require(actor, "cocreation.manage_initiative")
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if to_stage not in GATES.get(initiative.stage, ()):
        raise DomainError(
            _("An initiative at the stage %(from)s cannot move to %(to)s.")
            % {
                "from": Stage(initiative.stage).label,
                "to": Stage(to_stage).label if to_stage in Stage.values else to_stage,
            },
            code="bad_gate",
            fields={"to_stage": [_("Not a next stage of this initiative.")]},
        )
    if to_stage == Stage.PILOT and not initiative.indicators.exists():
        raise DomainError(
            _("Fix the goals first: a pilot starts with at least one indicator."),
            code="no_indicators",
        )
    decided_on = decided_on or timezone.localdate()
    last = initiative.decisions.order_by("-decided_on").values_list("decided_on", flat=True)
    earliest = max([timezone.localdate(initiative.created_at), *last[:1]])
    if not earliest <= decided_on <= timezone.localdate():
        raise DomainError(
            _("A decision is dated between %(first)s and today.")
            % {"first": formats.date_format(earliest, "DATE_FORMAT")},
            code="bad_date",
            fields={"decided_on": [_("Not before the initiative or its last decision.")]},
        )
    decision = GateDecision(
        initiative=initiative,
        from_stage=initiative.stage,
        to_stage=to_stage,
        criteria=_clean_text(criteria),
        note=_clean_text(note),
        decided_on=decided_on,
        decided_by=actor,
    )
    full_clean(decision)
    decision.save()
    SurveyResponse.objects.filter(initiative=initiative, decision__isnull=True).update(
        decision=decision
    )
    initiative.stage = to_stage
    initiative.save(update_fields=["stage"])
    audit_record(
        action="cocreation.gate_decided",
        actor=actor,
        obj=initiative,
        data={"from": decision.from_stage, "to": to_stage, "on": decision.decided_on.isoformat()},
    )
    _notify(
        initiative.proposal.challenge,
        verb="cocreation.gate_decided",
        text=STAGE_CHANGED,
        params={
            "title": initiative.title,
            "stage": _msgid(Stage(to_stage).label),
            "_translate": ["stage"],
        },
        link=_initiative_link(initiative),
        also=_authors(initiative.proposal),
        skip=actor,
    )
    return decision


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        raise DomainError(
            _("Enter a number."), code="invalid", fields={field: [_("Enter a number.")]}
        )
    return number


@transaction.atomic
def indicator_add(
    *,
    initiative: Initiative,
    actor: User,
    name: str,
    unit: str,
    baseline: Any,
    target: Any,
    target_date: date,
    source: str = Indicator.Source.MANUAL,
    category: ServiceCategory | None = None,
    quantity: str = "",
) -> Indicator:
    """Fix a goal's indicator. Goals are set before the pilot starts and cannot change after."""
    _require(actor, "cocreation.manage_initiative")
    _goals_open(initiative)
    _source_complete(source, category, quantity)
    indicator = Indicator(
        initiative=initiative,
        name=_clean_text(name),
        unit=_clean_text(unit),
        baseline=_decimal(baseline, "baseline"),
        target=_decimal(target, "target"),
        target_date=target_date,
        source=source,
        category=category if source == Indicator.Source.REPORTS else None,
        quantity=quantity if source == Indicator.Source.SENSORS else "",
    )
    full_clean(indicator)
    indicator.save()
    audit_record(
        action="cocreation.indicator_added",
        actor=actor,
        obj=indicator,
        data={
            "initiative": initiative.pk,
            "name": indicator.name,
            "unit": indicator.unit,
            "baseline": str(indicator.baseline),
            "target": str(indicator.target),
            "target_date": target_date.isoformat(),
            "source": source,
        },
    )
    return indicator


@transaction.atomic
def measurement_record(
    *, indicator: Indicator, actor: User | None, measured_on: date, value: Any = None
) -> Measurement:
    """Enter an indicator's value for a day (officials). A report-count indicator counts its
    reports itself when no value is given. A second value for the same day is refused."""
    if actor is not None:
        _require(actor, "cocreation.manage_initiative")
    if measured_on > timezone.localdate():
        raise DomainError(
            _("A measurement cannot be in the future."),
            code="future",
            fields={"measured_on": [_("A day up to today.")]},
        )
    if value in (None, "") and indicator.source == Indicator.Source.REPORTS:
        number = Decimal(selectors.report_count(indicator=indicator, until=measured_on))
    elif value in (None, "") and indicator.source == Indicator.Source.SENSORS:
        mean = selectors.sensor_mean(indicator=indicator, day=measured_on)
        if mean is None:
            raise DomainError(
                _("No usable sensor readings in the challenge's districts on that day."),
                code="no_readings",
                fields={"measured_on": [_("No sensor data for this day.")]},
            )
        number = mean
    else:
        number = _decimal(value, "value")
    if indicator.measurements.filter(measured_on=measured_on).exists():
        raise Conflict(
            _("This indicator already has a value for that day."),
            code="duplicate",
            fields={"measured_on": [_("Already measured on this day.")]},
        )
    measurement = Measurement(
        indicator=indicator, measured_on=measured_on, value=number, entered_by=actor
    )
    full_clean(measurement, exclude=["entered_by"])  # none: computed by the background task
    measurement.save()
    audit_record(
        action="cocreation.measurement_recorded",
        actor=actor,
        obj=indicator,
        data={"on": measured_on.isoformat(), "value": str(number)},
    )
    initiative = indicator.initiative
    _notify(
        initiative.proposal.challenge,
        verb="cocreation.measurement_recorded",
        text=MEASURED,
        params={
            "title": initiative.title,
            "indicator": indicator.name,
            "value": f"{number.normalize():f}",
            "unit": indicator.unit,
        },
        link=_initiative_link(initiative),
        skip=actor,
    )
    return measurement


def budget_win_announce(
    *, initiative: Initiative, project: str, process: str, actor: User | None = None
) -> None:
    """Tell the initiative's followers (its challenge's) that a project funded by a
    participatory budget is linked to it; budgeting calls this when it records the link."""
    _notify(
        initiative.proposal.challenge,
        verb="cocreation.budget_win",
        text=BUDGET_WIN,
        params={"title": initiative.title, "process": process, "project": project},
        link=_initiative_link(initiative),
        skip=actor,
    )


@transaction.atomic
def milestone_add(
    *,
    initiative: Initiative,
    actor: User,
    title: str,
    weight: int = 1,
    due_on: date | None = None,
) -> Milestone:
    _require(actor, "cocreation.manage_initiative")
    milestone = Milestone(
        initiative=initiative, title=_clean_text(title), weight=weight, due_on=due_on
    )
    full_clean(milestone)
    milestone.save()
    audit_record(
        action="cocreation.milestone_added",
        actor=actor,
        obj=initiative,
        data={"milestone": milestone.pk, "title": milestone.title, "weight": weight},
    )
    return milestone


@transaction.atomic
def milestone_complete(
    *, milestone: Milestone, actor: User, done_on: date | None = None
) -> Milestone:
    """Mark a milestone done; its weight then counts towards the initiative's progress."""
    _require(actor, "cocreation.manage_initiative")
    if milestone.done_on is not None:
        raise Conflict(_("This milestone is already done."), code="already_done")
    milestone.done_on = done_on or timezone.localdate()
    if milestone.done_on > timezone.localdate():
        raise DomainError(_("A milestone cannot be done in the future."), code="future")
    milestone.save(update_fields=["done_on"])
    initiative = milestone.initiative
    audit_record(
        action="cocreation.milestone_done",
        actor=actor,
        obj=initiative,
        data={"milestone": milestone.pk, "on": milestone.done_on.isoformat()},
    )
    _notify(
        initiative.proposal.challenge,
        verb="cocreation.milestone_done",
        text=MILESTONE_DONE,
        params={"title": initiative.title, "milestone": milestone.title},
        link=_initiative_link(initiative),
        skip=actor,
    )
    return milestone


# --- goals: checks and edits before the pilot -------------------------------------------------


def _goals_open(initiative: Initiative) -> None:
    if initiative.stage not in GOALS_OPEN:
        raise Conflict(
            _("Goals are fixed before the pilot: they cannot change at this stage."),
            code="goals_fixed",
        )


def _source_complete(source: str, category: ServiceCategory | None, quantity: str) -> None:
    if source not in Indicator.Source.values:
        raise DomainError(_("Unknown source."), code="invalid", fields={"source": [_("Unknown.")]})
    if source == Indicator.Source.REPORTS and category is None:
        raise DomainError(
            _("A count of reports needs a report category."),
            code="invalid",
            fields={"category": [_("Choose a category.")]},
        )
    if source == Indicator.Source.SENSORS and not quantity:
        raise DomainError(
            _("A sensor aggregate needs a quantity."),
            code="invalid",
            fields={"quantity": [_("Choose a quantity.")]},
        )


@transaction.atomic
def indicator_edit(*, indicator: Indicator, actor: User, **changes: Any) -> Indicator:
    """Change an indicator's definition (officials), only while goals are open: before the pilot
    starts or while iterating. Once the pilot runs, goals stay as they were fixed."""
    _require(actor, "cocreation.manage_initiative")
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    _goals_open(indicator.initiative)
    allowed = {
        "name",
        "unit",
        "baseline",
        "target",
        "target_date",
        "source",
        "category",
        "quantity",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("Unknown field."), code="invalid")
    before = {f: str(getattr(indicator, f)) for f in changes}
    for field, value in changes.items():
        if field in ("baseline", "target"):
            value = _decimal(value, field)
        elif field in ("name", "unit", "quantity"):
            value = _clean_text(value)
        setattr(indicator, field, value)
    _source_complete(indicator.source, indicator.category, indicator.quantity)
    if indicator.source != Indicator.Source.REPORTS:
        indicator.category = None
    if indicator.source != Indicator.Source.SENSORS:
        indicator.quantity = ""
    full_clean(indicator)
    indicator.save()
    audit_record(
        action="cocreation.indicator_edited",
        actor=actor,
        obj=indicator,
        data={
            "initiative": indicator.initiative_id,
            "before": before,
            "after": {f: str(getattr(indicator, f)) for f in changes},
        },
    )
    return indicator


@transaction.atomic
def milestone_edit(
    *,
    milestone: Milestone,
    actor: User,
    title: str,
    weight: int,
    due_on: date | None = None,
) -> Milestone:
    """Change a milestone not yet done (officials); a done milestone stays as it was."""
    _require(actor, "cocreation.manage_initiative")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.done_on is not None:
        raise Conflict(_("This milestone is done: it can no longer change."), code="already_done")
    milestone.title, milestone.weight, milestone.due_on = _clean_text(title), weight, due_on
    full_clean(milestone)
    milestone.save(update_fields=["title", "weight", "due_on"])
    audit_record(
        action="cocreation.milestone_edited",
        actor=actor,
        obj=milestone.initiative,
        data={"milestone": milestone.pk, "title": milestone.title, "weight": weight},
    )
    return milestone


def measurements_fill(*, day: date | None = None) -> int:
    """Record the day's value of every computed indicator (report counts, sensor aggregates) of
    initiatives in pilot or evaluation that has none yet. Run daily by the background task and
    on demand. Returns how many values were recorded."""
    day = day or timezone.localdate()
    done = 0
    due = Indicator.objects.filter(
        source__in=[Indicator.Source.REPORTS, Indicator.Source.SENSORS],
        initiative__stage__in=[Stage.PILOT, Stage.EVALUATION],
    ).exclude(measurements__measured_on=day)
    for indicator in due.select_related("initiative__proposal__challenge"):
        try:
            measurement_record(indicator=indicator, actor=None, measured_on=day)
        except DomainError as exc:
            logger.info("indicator %s not measured on %s: %s", indicator.pk, day, exc.message)
            continue
        done += 1
    return done


# --- the similar-idea index -------------------------------------------------------------------


def proposal_index_words(proposal: Proposal) -> None:
    """Store the meaningful words of a proposal's current text (the similar-idea prefilter)."""
    ProposalWord.objects.filter(proposal=proposal).delete()
    title_words = meaningful_words(proposal.title)
    words = title_words | meaningful_words(proposal.body)
    ProposalWord.objects.bulk_create(
        ProposalWord(
            proposal=proposal,
            challenge_id=proposal.challenge_id,
            word=w[:64],
            in_title=w in title_words,
        )
        for w in sorted(words)
    )


# --- amendments -------------------------------------------------------------------------------

AMENDMENT_PROPOSED = gettext_noop("Someone proposes an amendment to your proposal “%(title)s”.")
AMENDMENT_ACCEPTED = gettext_noop("Your amendment to “%(title)s” was accepted.")
AMENDMENT_REJECTED = gettext_noop(
    "Your amendment to “%(title)s” was not accepted. Reason: %(reason)s"
)


def _tell(
    people: Iterable[User], *, verb: str, text: str, params: dict[str, Any], link: str
) -> None:
    recipients = list(people)
    transaction.on_commit(
        lambda: notification_send(
            recipients=recipients, verb=verb, text=text, params=params, link=link
        )
    )


@transaction.atomic
def amendment_propose(
    *, proposal: Proposal, author: User, title: str, body: str, reason: str = ""
) -> ProposalAmendment:
    """Anyone signed in proposes replacement text for a proposal; its authors decide."""
    _require(author, "cocreation.propose")
    if author.has_perm("cocreation.edit_proposal", proposal):
        raise DomainError(
            _("You write this proposal: edit it instead of amending it."), code="own_proposal"
        )
    title, body = _clean_text(title), _clean_text(body)
    if title == proposal.title and body == proposal.body:
        raise DomainError(_("Nothing changed: this is the current text."), code="unchanged")
    amendment = ProposalAmendment(
        proposal=proposal,
        author=author,
        title=title,
        body=body,
        reason=_clean_text(reason)[:500],
        based_on=proposal.version,
    )
    full_clean(amendment, exclude=["author", "decided_by", "version"])
    amendment.save()
    audit_record(
        action="cocreation.amendment_proposed",
        actor=author,
        obj=amendment,
        data={"proposal": proposal.pk, "based_on": amendment.based_on},
    )
    _tell(
        _authors(proposal),
        verb="cocreation.amendment_proposed",
        text=AMENDMENT_PROPOSED,
        params={"title": proposal.title},
        link=_proposal_link(proposal),
    )
    return amendment


@transaction.atomic
def amendment_decide(
    *, amendment: ProposalAmendment, actor: User, accept: bool, reason: str = ""
) -> ProposalAmendment:
    """The proposal's author or a co-author accepts an amendment (its text becomes a new
    version, credited to the amendment's author) or rejects it with a reason."""
    amendment = ProposalAmendment.objects.select_for_update().get(pk=amendment.pk)
    proposal = Proposal.objects.select_for_update().get(pk=amendment.proposal_id)
    _require(actor, "cocreation.edit_proposal", proposal)
    if amendment.status != ProposalAmendment.Status.PENDING:
        raise Conflict(_("This amendment was already decided."), code="already_decided")
    reason = rejection_reason_clean(reason, rejecting=not accept)
    amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    if accept:
        if amendment.title == proposal.title and amendment.body == proposal.body:
            raise DomainError(_("Nothing changed: this is the current text."), code="unchanged")
        proposal.title, proposal.body = amendment.title, amendment.body
        proposal.version += 1
        proposal.updated_at = amendment.decided_at
        proposal.save(update_fields=["title", "body", "version", "updated_at"])
        name = amendment.author.public_name if amendment.author else "—"
        with override(None):
            note = _("Amendment by %(name)s") % {"name": name}
        version = ProposalVersion.objects.create(
            proposal=proposal,
            number=proposal.version,
            title=proposal.title,
            body=proposal.body,
            editor=amendment.author,
            note=note[:200],
        )
        proposal_index_words(proposal)
        amendment.status = ProposalAmendment.Status.ACCEPTED
        amendment.version = version
    else:
        amendment.status = ProposalAmendment.Status.REJECTED
        amendment.rejection_reason = reason
    amendment.save()
    audit_record(
        action="cocreation.amendment_decided",
        actor=actor,
        obj=amendment,
        data={"proposal": proposal.pk, "status": amendment.status},
    )
    if amendment.author is not None:
        _tell(
            [amendment.author],
            verb="cocreation.amendment_decided",
            text=AMENDMENT_ACCEPTED if accept else AMENDMENT_REJECTED,
            params={"title": proposal.title, "reason": reason},
            link=_proposal_link(proposal),
        )
    if accept:
        _notify(
            proposal.challenge,
            verb="cocreation.proposal_edited",
            text=PROPOSAL_EDITED,
            params={"title": proposal.title, "version": proposal.version},
            link=_proposal_link(proposal),
            skip=actor,
        )
    return amendment


# --- meetings and workshops -------------------------------------------------------------------

MEETING_NEW = gettext_noop("New meeting on the challenge “%(challenge)s”: %(title)s")
MEETING_PLACE = gettext_noop("A place freed up: you are registered for “%(title)s”.")


def _meeting_link(meeting: Meeting) -> str:
    return reverse("cocreation:meeting", args=[meeting.pk])


def _check_meeting(meeting: Meeting) -> None:
    if meeting.format != Meeting.Format.ONLINE and not meeting.place:
        raise DomainError(
            _("Say where it takes place."),
            code="invalid",
            fields={"place": [_("A meeting in person needs a place.")]},
        )
    if meeting.format != Meeting.Format.IN_PERSON and not meeting.online_url:
        raise DomainError(
            _("Give the link to join online."),
            code="invalid",
            fields={"online_url": [_("An online meeting needs a link.")]},
        )
    if meeting.ends_at <= meeting.starts_at:
        raise DomainError(
            _("A meeting ends after it starts."),
            code="invalid",
            fields={"ends_at": [_("After the start.")]},
        )


@transaction.atomic
def meeting_create(
    *,
    challenge: Challenge,
    actor: User,
    title: str,
    agenda: str,
    starts_at: Any,
    ends_at: Any,
    format: str = Meeting.Format.IN_PERSON,
    place: str = "",
    accessibility: str = "",
    online_url: str = "",
    capacity: int | None = None,
    organisation: Organisation | None = None,
) -> Meeting:
    """Call a meeting or workshop about a challenge (officials, organisation members; in an
    organisation's name only as its member). The challenge's followers are told."""
    _require(actor, "cocreation.create_challenge")
    if organisation is not None and not actor.has_perm("core.act_for_organisation", organisation):
        raise NotAllowed(_("You can only host a meeting for an organisation you belong to."))
    meeting = Meeting(
        challenge=challenge,
        title=_clean_text(title),
        agenda=_clean_text(agenda),
        format=format,
        starts_at=starts_at,
        ends_at=ends_at,
        place=_clean_text(place),
        accessibility=_clean_text(accessibility),
        online_url=_clean_text(online_url),
        capacity=capacity,
        organisation=organisation,
        created_by=actor,
    )
    _check_meeting(meeting)
    full_clean(meeting, exclude=["created_by"])
    meeting.save()
    audit_record(
        action="cocreation.meeting_created",
        actor=actor,
        obj=meeting,
        data={"challenge": challenge.pk, "starts_at": meeting.starts_at.isoformat()},
    )
    _notify(
        challenge,
        verb="cocreation.meeting_created",
        text=MEETING_NEW,
        params={"challenge": challenge.title, "title": meeting.title},
        link=_meeting_link(meeting),
        skip=actor,
    )
    return meeting


@transaction.atomic
def meeting_register(*, meeting: Meeting, user: User) -> MeetingRegistration:
    """Register for a meeting; when it is full, join the waiting list."""
    _require(user, "core.participate")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.ends_at <= timezone.now():
        raise DomainError(_("This meeting is over."), code="over")
    if meeting.registrations.filter(user=user).exists():
        raise Conflict(_("You are already registered."), code="already_registered")
    taken = meeting.registrations.filter(waiting=False).count()
    waiting = meeting.capacity is not None and taken >= meeting.capacity
    registration = MeetingRegistration.objects.create(meeting=meeting, user=user, waiting=waiting)
    audit_record(
        action="cocreation.meeting_registered",
        actor=user,
        obj=meeting,
        data={"waiting": waiting},
    )
    return registration


@transaction.atomic
def meeting_unregister(*, meeting: Meeting, user: User) -> bool:
    """Cancel a registration; the first person waiting takes the place and is told."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    registration = meeting.registrations.filter(user=user).first()
    if registration is None:
        return False
    freed = not registration.waiting
    registration.delete()
    audit_record(action="cocreation.meeting_unregistered", actor=user, obj=meeting, data={})
    if freed:
        nxt = meeting.registrations.filter(waiting=True).order_by("created_at", "id").first()
        if nxt is not None:
            nxt.waiting = False
            nxt.save(update_fields=["waiting"])
            _tell(
                [nxt.user],
                verb="cocreation.meeting_place",
                text=MEETING_PLACE,
                params={"title": meeting.title},
                link=_meeting_link(meeting),
            )
    return True


@transaction.atomic
def meeting_report(
    *,
    meeting: Meeting,
    actor: User,
    minutes: str,
    attended: Iterable[int] = (),
    proposals: Iterable[Proposal] = (),
) -> Meeting:
    """After the meeting, its host records the minutes, who attended (registered people's
    account ids) and the proposals it shaped (of the same challenge)."""
    _require(actor, "cocreation.host_meeting", meeting)
    if meeting.starts_at > timezone.now():
        raise DomainError(_("The meeting has not started yet."), code="not_started")
    proposals = list(proposals)
    if any(p.challenge_id != meeting.challenge_id for p in proposals):
        raise DomainError(
            _("Only proposals of the meeting's challenge."),
            code="invalid",
            fields={"proposals": [_("Not a proposal of this challenge.")]},
        )
    meeting.minutes = _clean_text(minutes)
    meeting.save(update_fields=["minutes"])
    present = set(attended)
    for registration in meeting.registrations.all():
        registration.attended = registration.user_id in present
        registration.save(update_fields=["attended"])
    meeting.proposals.set(proposals)
    audit_record(
        action="cocreation.meeting_reported",
        actor=actor,
        obj=meeting,
        data={"attended": len(present), "proposals": sorted(p.pk for p in proposals)},
    )
    return meeting


# --- the resident survey at each gate ---------------------------------------------------------


@transaction.atomic
def survey_answer(
    *, initiative: Initiative, user: User, rating: int, go_ahead: bool, comment: str = ""
) -> SurveyResponse:
    """A resident answers the survey of the initiative's next gate (once per gate): it is shown
    with the decision that ends the current stage."""
    _require(user, "core.participate")
    if not GATES.get(initiative.stage):
        raise DomainError(_("This initiative has no further gate."), code="closed")
    if not 1 <= int(rating) <= 5:
        raise DomainError(
            _("Choose from 1 to 5."), code="invalid", fields={"rating": [_("From 1 to 5.")]}
        )
    if SurveyResponse.objects.filter(
        initiative=initiative, user=user, decision__isnull=True
    ).exists():
        raise Conflict(_("You already answered the survey of this gate."), code="already_answered")
    response = SurveyResponse.objects.create(
        initiative=initiative,
        stage=initiative.stage,
        user=user,
        rating=int(rating),
        go_ahead=bool(go_ahead),
        comment=_clean_text(comment)[:2000],
    )
    audit_record(
        action="cocreation.survey_answered",
        actor=user,
        obj=initiative,
        data={"stage": initiative.stage},
    )
    return response


# --- personal data ----------------------------------------------------------------------------


def personal_data(user: User) -> dict[str, Any]:
    """What co-creation holds about a person (added to the core personal-data export)."""
    return {
        "challenges_followed": list(
            ChallengeFollow.objects.filter(user=user).values_list("challenge_id", flat=True)
        ),
        "proposals": [
            {"proposal": p.pk, "challenge": p.challenge_id, "title": p.title, "body": p.body}
            for p in Proposal.objects.filter(author=user).order_by("created_at")
        ],
        "coauthored": list(Proposal.objects.filter(coauthors=user).values_list("pk", flat=True)),
        "versions": [
            {"proposal": v.proposal_id, "number": v.number, "at": v.created_at.isoformat()}
            for v in ProposalVersion.objects.filter(editor=user).order_by("created_at")
        ],
        "endorsements": [
            {"proposal": e.proposal_id, "organisation": e.organisation_id}
            for e in Endorsement.objects.filter(user=user).order_by("created_at")
        ],
        "comments": [
            {
                "proposal": c.proposal_id,
                "body": c.body,
                "status": c.status,
                "at": c.created_at.isoformat(),
            }
            for c in Comment.objects.filter(author=user).order_by("created_at")
        ],
        "amendments": [
            {
                "proposal": a.proposal_id,
                "title": a.title,
                "body": a.body,
                "reason": a.reason,
                "status": a.status,
                "at": a.created_at.isoformat(),
            }
            for a in ProposalAmendment.objects.filter(author=user).order_by("created_at")
        ],
        "meeting_registrations": [
            {"meeting": r.meeting_id, "waiting": r.waiting, "attended": r.attended}
            for r in MeetingRegistration.objects.filter(user=user).order_by("created_at")
        ],
        "survey_answers": [
            {
                "initiative": r.initiative_id,
                "stage": r.stage,
                "rating": r.rating,
                "go_ahead": r.go_ahead,
                "comment": r.comment,
            }
            for r in SurveyResponse.objects.filter(user=user).order_by("created_at")
        ],
    }


PERSONAL_DATA_EXPORTERS["cocreation"] = personal_data
