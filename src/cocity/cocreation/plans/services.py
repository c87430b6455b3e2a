"""Writes of co-written plans. Each checks the permission, validates, writes in one transaction
and records an audit entry; the people concerned are told after the commit."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cocity.cocreation.emails import email_plan_followers_task
from cocity.cocreation.models_plans import (
    Amendment,
    AmendmentSupport,
    Plan,
    PlanComment,
    PlanCommentFlag,
    PlanFollow,
    PlanSection,
    PlanVersion,
)
from cocity.cocreation.plans import selectors
from cocity.compute.cocreation.plans import (
    Section,
    best_group,
    join_markdown,
    locate_passage,
    split_markdown,
    words,
)
from cocity.compute.cocreation.plans import replace_passage as _replace
from cocity.core.errors import Conflict, DomainError, NotAllowed, full_clean
from cocity.core.models import Organisation, User
from cocity.core.services import (
    PERSONAL_DATA_EXPORTERS,
    audit_record,
    notification_send,
    rejection_reason_clean,
)

COMMENT_MAX_LENGTH = 2000
TEXT_MAX_LENGTH = 20000
MARKDOWN_MAX_LENGTH = 500_000
MAX_SECTIONS = 1000
#: How alike (Jaccard on meaningful words) a comment must be to a group's first to join it.
GROUP_THRESHOLD = 0.3

AMENDMENT_ACCEPTED = gettext_noop(
    "Your amendment to “%(section)s” in the plan “%(plan)s” was accepted: %(reason)s"
)
AMENDMENT_REJECTED = gettext_noop(
    "Your amendment to “%(section)s” in the plan “%(plan)s” was not accepted. Reason: %(reason)s"
)
VERSION_PUBLISHED = gettext_noop(
    "Version %(number)s of the plan “%(plan)s” is published, with changes you contributed."
)
# What followers are told (translated when shown)
FOLLOWED_VERSION = gettext_noop("Version %(number)s of the plan “%(plan)s” is published.")
FOLLOWED_VERSION_SECTIONS = gettext_noop(
    "Version %(number)s of the plan “%(plan)s” is published. New text in: %(sections)s"
)
FOLLOWED_OPENED = gettext_noop("The plan “%(plan)s” is open for comments and amendments.")
FOLLOWED_CLOSED = gettext_noop("The plan “%(plan)s” is closed to contributions.")
COMMENT_HIDDEN = gettext_noop(
    "A moderator hid your comment on the plan “%(plan)s”. Reason: %(reason)s"
)
#: At most this many headings name the sections with new text in a follower's notice.
SECTIONS_NAMED = 5


def _require(user: User | None, perm: str, obj: Any = None) -> User:
    if user is None or not user.is_authenticated or not user.has_perm(perm, obj):
        raise NotAllowed()
    return user


def _organisation(actor: User, organisation: Organisation | None) -> Organisation | None:
    if organisation is not None and not actor.has_perm("core.act_for_organisation", organisation):
        raise NotAllowed(_("You can only speak for an organisation you belong to."))
    return organisation


def _open(plan: Plan) -> None:
    if not plan.open:
        raise Conflict(_("This plan is closed to contributions."), code="plan_closed")


def _text(value: str, *, field: str, empty: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(empty, code=f"{field}_empty", fields={field: [empty]})
    if len(text) > limit:
        message = _("At most %(max)d characters.") % {"max": limit}
        raise DomainError(message, code=f"{field}_too_long", fields={field: [message]})
    return text


def _passage(section: PlanSection, quote: str, start: int | None) -> tuple[str, int | None]:
    """The quoted passage as it is in the section's text and where it starts there; the
    offset sent (from a selection) is kept when it points at the passage, else its first
    occurrence is used. A passage not in the text is refused."""
    quote = (quote or "").strip()
    if not quote:
        return "", None
    found = locate_passage(section.body, quote, start)
    if found < 0:
        message = _("This passage is not in the section's current text; copy it exactly.")
        raise DomainError(message, code="passage_not_found", fields={"quote": [message]})
    return quote, found


def plan_link(plan: Plan) -> str:
    return reverse("cocreation:plan", args=[plan.pk])


def section_link(section: PlanSection) -> str:
    return reverse("cocreation:plan_section", args=[section.plan_id, section.pk])


def _tell_followers(
    plan: Plan, *, verb: str, text: str, params: dict[str, Any], link: str, skip: set[int]
) -> None:
    """After the commit, tell the plan's followers in the app and, those who allowed it, by
    e-mail (a background task); never the people in ``skip``."""

    def send() -> None:
        notification_send(
            recipients=selectors.plan_followers(plan).exclude(pk__in=skip),
            verb=verb,
            text=text,
            params=params,
            link=link,
        )
        email_plan_followers_task.enqueue(plan.pk, text, dict(params), link, sorted(skip))

    transaction.on_commit(send)


@transaction.atomic
def plan_follow(*, plan: Plan, user: User, follow: bool = True) -> bool:
    """Follow a plan (told of each new version and when it opens or closes), or unfollow it.
    Returns whether anything changed."""
    _require(user, "core.participate")
    if follow:
        _, changed = PlanFollow.objects.get_or_create(plan=plan, user=user)
    else:
        changed = PlanFollow.objects.filter(plan=plan, user=user).delete()[0] > 0
    return changed


# --- plans --------------------------------------------------------------------------------------


def _snapshot(plan: Plan, number: int, actor: User | None, note: str) -> PlanVersion:
    sections = [
        {"id": s.pk, "heading": s.heading, "level": s.level, "body": s.body}
        for s in PlanSection.objects.filter(plan=plan).order_by("position")
    ]
    return PlanVersion.objects.create(
        plan=plan,
        number=number,
        title=plan.title,
        intro=plan.intro,
        sections=sections,
        note=note,
        published_by=actor,
    )


@transaction.atomic
def plan_import(*, actor: User, markdown: str, title: str = "", note: str = "") -> Plan:
    """Publish a draft plan from Markdown (officials, admins): every heading starts a section.
    Without a title, a first level-1 heading gives it (its text becomes the introduction).
    The draft is version 1."""
    _require(actor, "cocreation.manage_plan")
    if len(markdown or "") > MARKDOWN_MAX_LENGTH:
        raise DomainError(
            _("A plan has at most %(max)d characters.") % {"max": MARKDOWN_MAX_LENGTH},
            code="too_long",
        )
    intro, sections = split_markdown(markdown or "")
    title = (title or "").strip()
    if not title and sections and sections[0].level == 1:
        first = sections.pop(0)
        title = first.heading
        intro = "\n\n".join(p for p in (intro, first.body) if p)
    if not sections:
        message = _("The draft needs at least one section: start each with a Markdown heading.")
        raise DomainError(message, code="no_sections", fields={"markdown": [message]})
    if len(sections) > MAX_SECTIONS:
        raise DomainError(
            _("A plan has at most %(max)d sections.") % {"max": MAX_SECTIONS}, code="too_long"
        )
    if not title:
        message = _("Give the plan a title.")
        raise DomainError(message, code="title_empty", fields={"title": [message]})
    plan = Plan(title=title[:200], intro=intro, created_by=actor)
    full_clean(plan, exclude=["created_by"])
    plan.save()
    PlanSection.objects.bulk_create(
        PlanSection(plan=plan, position=i, level=s.level, heading=s.heading[:300], body=s.body)
        for i, s in enumerate(sections, start=1)
    )
    _snapshot(plan, 1, actor, (note or _("Draft"))[:300])
    audit_record(
        action="cocreation.plan_published",
        actor=actor,
        obj=plan,
        data={"sections": len(sections)},
    )
    return plan


@transaction.atomic
def plan_set_open(*, plan: Plan, actor: User, open: bool) -> Plan:
    """Open or close a plan to comments and amendments (officials, admins)."""
    _require(actor, "cocreation.manage_plan")
    changed = plan.open != open
    plan.open = open
    plan.save(update_fields=["open"])
    audit_record(action="cocreation.plan_opened", actor=actor, obj=plan, data={"open": open})
    if changed:
        _tell_followers(
            plan,
            verb="cocreation.plan_state",
            text=FOLLOWED_OPENED if open else FOLLOWED_CLOSED,
            params={"plan": plan.title},
            link=plan_link(plan),
            skip={actor.pk},
        )
    return plan


@transaction.atomic
def section_move(*, section: PlanSection, actor: User, position: int) -> PlanSection:
    """Move a section to ``position`` (1: first) among its plan's sections, the ones between
    shifting by one (officials, admins); the new order is published with the next version."""
    _require(actor, "cocreation.manage_plan")
    Plan.objects.select_for_update().filter(pk=section.plan_id).first()  # one move at a time
    section.refresh_from_db(fields=["position"])
    siblings = PlanSection.objects.filter(plan_id=section.plan_id)
    count = siblings.count()
    if not 1 <= position <= count:
        message = _("Choose a position from 1 to %(max)d.") % {"max": count}
        raise DomainError(message, code="bad_position", fields={"position": [message]})
    old = section.position
    if position == old:
        return section
    # Positions are unique per plan: park the moving section at 0 and the shifted ones far
    # above the last position, then bring them back one step over.
    PlanSection.objects.filter(pk=section.pk).update(position=0)
    if position < old:
        between, step = siblings.filter(position__gte=position, position__lt=old), 1
    else:
        between, step = siblings.filter(position__gt=old, position__lte=position), -1
    far = MAX_SECTIONS + count + 1
    moved = list(between.values_list("pk", flat=True))
    PlanSection.objects.filter(pk__in=moved).update(position=F("position") + far)
    PlanSection.objects.filter(pk__in=moved).update(position=F("position") - far + step)
    PlanSection.objects.filter(pk=section.pk).update(position=position)
    section.position = position
    audit_record(
        action="cocreation.plan_section_moved",
        actor=actor,
        obj=section,
        data={"plan": section.plan_id, "from": old, "to": position},
    )
    return section


@transaction.atomic
def section_edit(*, section: PlanSection, actor: User, body: str) -> PlanSection:
    """An official's own change to a section's working text (published with the next version)."""
    _require(actor, "cocreation.manage_plan")
    body = (body or "").strip()
    if len(body) > TEXT_MAX_LENGTH:
        raise DomainError(_("At most %(max)d characters.") % {"max": TEXT_MAX_LENGTH})
    section.body = body
    section.save(update_fields=["body"])
    audit_record(
        action="cocreation.plan_section_edited",
        actor=actor,
        obj=section,
        data={"plan": section.plan_id},
    )
    return section


def plan_markdown(plan: Plan, version: PlanVersion | None = None) -> str:
    """A version of the plan (or its working text) as one Markdown document."""
    if version is not None:
        return join_markdown(
            version.title,
            version.intro,
            [Section(s["heading"], s["body"], s.get("level", 2)) for s in version.sections],
        )
    sections = PlanSection.objects.filter(plan=plan).order_by("position")
    return join_markdown(
        plan.title, plan.intro, [Section(s.heading, s.body, s.level) for s in sections]
    )


@transaction.atomic
def plan_publish(*, plan: Plan, actor: User, note: str = "") -> PlanVersion:
    """Publish the working text as the next version (officials, admins). The accepted
    amendments and the comments taken into account since the last version are recorded as
    carried by it, and their authors are told."""
    _require(actor, "cocreation.manage_plan")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    last = PlanVersion.objects.get(plan=plan, number=plan.version)
    current = [
        {"id": s.pk, "heading": s.heading, "level": s.level, "body": s.body}
        for s in PlanSection.objects.filter(plan=plan).order_by("position")
    ]
    if current == last.sections and plan.title == last.title and plan.intro == last.intro:
        raise DomainError(
            _("Nothing changed since the last version."), code="unchanged", status=409
        )
    number = plan.version + 1
    version = _snapshot(plan, number, actor, (note or "").strip()[:300])
    Amendment.objects.filter(
        section__plan=plan, status=Amendment.Status.ACCEPTED, applied_in__isnull=True
    ).update(applied_in=number)
    PlanComment.objects.filter(section__plan=plan, addressed=True, applied_in__isnull=True).update(
        applied_in=number
    )
    plan.version = number
    plan.save(update_fields=["version"])
    audit_record(
        action="cocreation.plan_version_published",
        actor=actor,
        obj=plan,
        data={"version": number},
    )
    people = [p for p in selectors.contributors(plan, number) if p.pk != actor.pk]
    params = {"plan": plan.title, "number": number}
    link = reverse("cocreation:plan_version", args=[plan.pk, number])
    transaction.on_commit(
        lambda: notification_send(
            recipients=people,
            verb="cocreation.plan_version",
            text=VERSION_PUBLISHED,
            params=params,
            link=link,
        )
    )
    # followers (other than the contributors, told above) learn which sections have new text
    before = {s["id"]: s for s in last.sections}
    renewed = [
        str(s["heading"])
        for s in current
        if s["id"] not in before
        or (before[s["id"]]["heading"], before[s["id"]]["body"]) != (s["heading"], s["body"])
    ]
    shown = ", ".join(renewed[:SECTIONS_NAMED]) + (" …" if len(renewed) > SECTIONS_NAMED else "")
    _tell_followers(
        plan,
        verb="cocreation.plan_version",
        text=FOLLOWED_VERSION_SECTIONS if renewed else FOLLOWED_VERSION,
        params={**params, "sections": shown} if renewed else params,
        link=link,
        skip={actor.pk, *(p.pk for p in people)},
    )
    return version


# --- comments -----------------------------------------------------------------------------------


@transaction.atomic
def plan_comment_add(
    *,
    section: PlanSection,
    author: User,
    body: str,
    quote: str = "",
    quote_start: int | None = None,
    organisation: Organisation | None = None,
) -> PlanComment:
    """Comment on a section, or on a passage of it quoted exactly (any signed-in person;
    an organisation member may speak for it). Published at once."""
    _require(author, "cocreation.contribute_plan")
    _open(section.plan)
    text = _text(body, field="body", empty=_("Write a comment first."), limit=COMMENT_MAX_LENGTH)
    quote, start = _passage(section, quote, quote_start)
    bag = words(text)
    leaders = PlanComment.objects.filter(section=section, group_id=F("id")).values_list(
        "pk", "words"
    )
    group = best_group(
        bag, ((pk, frozenset(w.split())) for pk, w in leaders), threshold=GROUP_THRESHOLD
    )
    comment = PlanComment.objects.create(
        section=section,
        author=author,
        organisation=_organisation(author, organisation),
        body=text,
        quote=quote,
        quote_start=start,
        words=" ".join(sorted(bag)),
        group_id=group,
    )
    if group is None:  # the first of a new group of similar comments
        comment.group = comment
        comment.save(update_fields=["group"])
    audit_record(
        action="cocreation.plan_comment_added",
        actor=author,
        obj=comment,
        data={"plan": section.plan_id, "section": section.pk},
    )
    return comment


@transaction.atomic
def plan_comment_address(
    *, comment: PlanComment, actor: User, addressed: bool = True
) -> PlanComment:
    """Mark a comment as taken into account (or not) in the next version (officials)."""
    _require(actor, "cocreation.manage_plan")
    if comment.applied_in is not None:
        raise Conflict(_("This comment is already part of a published version."), code="applied")
    comment.addressed = addressed
    comment.save(update_fields=["addressed"])
    audit_record(
        action="cocreation.plan_comment_addressed",
        actor=actor,
        obj=comment,
        data={"addressed": addressed},
    )
    return comment


@transaction.atomic
def plan_comment_flag(*, comment: PlanComment, user: User, reason: str = "") -> bool:
    """Tell the moderators that a comment breaks the rules (any signed-in person, once per
    comment; not one's own). Returns False if the person had flagged it already."""
    _require(user, "cocreation.contribute_plan")
    if comment.author_id == user.pk:
        raise DomainError(_("You cannot flag your own comment."), code="own_comment")
    if comment.hidden_at is not None:
        raise Conflict(_("A moderator has already hidden this comment."), code="hidden")
    try:
        with transaction.atomic():
            PlanCommentFlag.objects.create(
                comment=comment, user=user, reason=" ".join((reason or "").split())[:300]
            )
    except IntegrityError:
        return False
    audit_record(
        action="cocreation.plan_comment_flagged",
        actor=user,
        obj=comment,
        data={"plan": comment.section.plan_id},
    )
    return True


@transaction.atomic
def plan_comment_moderate(
    *, comment: PlanComment, actor: User, hide: bool, reason: str = ""
) -> PlanComment:
    """Settle the flags on a comment (moderators, admins): hide it, with a reason its author
    is told and its readers see, or dismiss the flags and leave it shown."""
    _require(actor, "cocreation.moderate")
    comment = (
        PlanComment.objects.select_for_update().select_related("section__plan").get(pk=comment.pk)
    )
    if comment.hidden_at is not None:
        raise Conflict(_("A moderator has already hidden this comment."), code="hidden")
    reason = rejection_reason_clean(reason, rejecting=hide)
    now = timezone.now()
    flags = PlanCommentFlag.objects.filter(comment=comment, resolved_at=None).update(
        resolved_at=now
    )
    if not hide and not flags:
        raise Conflict(_("Nobody has flagged this comment."), code="not_flagged")
    if hide:
        comment.hidden_at, comment.hidden_by, comment.hidden_reason = now, actor, reason
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_record(
        action="cocreation.plan_comment_moderated",
        actor=actor,
        obj=comment,
        data={"plan": comment.section.plan_id, "hidden": hide, "flags": flags},
    )
    author = comment.author
    if hide and author is not None and author.pk != actor.pk:
        params = {"plan": comment.section.plan.title, "reason": reason}
        link = section_link(comment.section)
        transaction.on_commit(
            lambda: notification_send(
                recipients=[author],
                verb="cocreation.plan_comment_hidden",
                text=COMMENT_HIDDEN,
                params=params,
                link=link,
            )
        )
    return comment


# --- amendments ---------------------------------------------------------------------------------


@transaction.atomic
def amendment_propose(
    *,
    section: PlanSection,
    author: User,
    text: str,
    quote: str = "",
    quote_start: int | None = None,
    reason: str = "",
    organisation: Organisation | None = None,
) -> Amendment:
    """Propose replacement text for a section, or for a passage of it quoted exactly (empty
    text with a passage: delete the passage). The author supports it."""
    _require(author, "cocreation.contribute_plan")
    _open(section.plan)
    quote, start = _passage(section, quote, quote_start)
    text = (text or "").strip()
    if not quote:
        text = _text(
            text, field="text", empty=_("Write the new text of the section."), limit=TEXT_MAX_LENGTH
        )
    elif len(text) > TEXT_MAX_LENGTH:
        raise DomainError(_("At most %(max)d characters.") % {"max": TEXT_MAX_LENGTH})
    if text == (quote or section.body):
        message = _("The new text is the same as the current one.")
        raise DomainError(message, code="unchanged", fields={"text": [message]})
    amendment = Amendment.objects.create(
        section=section,
        author=author,
        organisation=_organisation(author, organisation),
        quote=quote,
        quote_start=start,
        text=text,
        reason=(reason or "").strip()[:COMMENT_MAX_LENGTH],
        supporters=1,
    )
    AmendmentSupport.objects.create(amendment=amendment, user=author)
    audit_record(
        action="cocreation.plan_amendment_proposed",
        actor=author,
        obj=amendment,
        data={"plan": section.plan_id, "section": section.pk},
    )
    return amendment


@transaction.atomic
def amendment_support(*, amendment: Amendment, user: User, support: bool = True) -> bool:
    """Support an open amendment (or withdraw the support); True if something changed."""
    _require(user, "cocreation.contribute_plan")
    amendment.refresh_from_db(fields=["status"])
    if amendment.status != Amendment.Status.OPEN:
        raise Conflict(_("This amendment has been decided."), code="decided")
    if support:
        try:
            with transaction.atomic():
                AmendmentSupport.objects.create(amendment=amendment, user=user)
        except IntegrityError:
            return False
        delta = 1
    else:
        if not AmendmentSupport.objects.filter(amendment=amendment, user=user).delete()[0]:
            return False
        delta = -1
    Amendment.objects.filter(pk=amendment.pk).update(supporters=F("supporters") + delta)
    amendment.refresh_from_db(fields=["supporters"])
    audit_record(
        action="cocreation.plan_amendment_supported",
        actor=user,
        obj=amendment,
        data={"support": support},
    )
    return True


@transaction.atomic
def amendment_decide(*, amendment: Amendment, actor: User, accept: bool, reason: str) -> Amendment:
    """Accept or reject an open amendment, with a reason its author is told (officials). An
    accepted amendment changes the section's working text at once; it is published with the
    next version. A passage no longer in the text cannot be accepted (edit the section)."""
    _require(actor, "cocreation.manage_plan")
    amendment = (
        Amendment.objects.select_for_update().select_related("section__plan").get(pk=amendment.pk)
    )
    if amendment.status != Amendment.Status.OPEN:
        raise Conflict(_("This amendment has been decided."), code="decided")
    reason = rejection_reason_clean(reason, rejecting=not accept)
    if not reason:
        message = _("Give a reason for the decision: its author will read it.")
        raise DomainError(message, code="reason_required", fields={"reason": [message]})
    section = amendment.section
    if accept:
        try:
            section.body = _replace(
                section.body, amendment.quote, amendment.text, amendment.quote_start
            )
        except ValueError:
            raise Conflict(
                _("The passage this amendment replaces is no longer in the section."),
                code="passage_changed",
            ) from None
        section.save(update_fields=["body"])
    amendment.status = Amendment.Status.ACCEPTED if accept else Amendment.Status.REJECTED
    amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.decision_reason = reason
    amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        action="cocreation.plan_amendment_decided",
        actor=actor,
        obj=amendment,
        data={"plan": section.plan_id, "status": amendment.status},
    )
    author = amendment.author
    if author is not None and author.pk != actor.pk:
        params = {"section": section.heading, "plan": section.plan.title, "reason": reason}
        link = section_link(section)
        text = AMENDMENT_ACCEPTED if accept else AMENDMENT_REJECTED
        transaction.on_commit(
            lambda: notification_send(
                recipients=[author],
                verb="cocreation.plan_amendment",
                text=text,
                params=params,
                link=link,
            )
        )
    return amendment


# --- personal data ------------------------------------------------------------------------------


def personal_data(user: User) -> dict[str, Any]:
    """What co-written plans hold about a person (added to the personal-data export)."""
    return {
        "comments": [
            {
                "section": c.section_id,
                "body": c.body,
                "quote": c.quote,
                "at": c.created_at.isoformat(),
            }
            for c in PlanComment.objects.filter(author=user).order_by("created_at")
        ],
        "amendments": [
            {
                "section": a.section_id,
                "quote": a.quote,
                "text": a.text,
                "reason": a.reason,
                "status": a.status,
                "at": a.created_at.isoformat(),
            }
            for a in Amendment.objects.filter(author=user).order_by("created_at")
        ],
        "supported": list(
            AmendmentSupport.objects.filter(user=user).values_list("amendment_id", flat=True)
        ),
        "flagged": list(
            PlanCommentFlag.objects.filter(user=user).values_list("comment_id", flat=True)
        ),
        "followed": list(PlanFollow.objects.filter(user=user).values_list("plan_id", flat=True)),
    }


PERSONAL_DATA_EXPORTERS["cocreation_plans"] = personal_data
