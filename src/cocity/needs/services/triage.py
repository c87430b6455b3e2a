"""Triage: what officials do to reports (status, notes, department, priority), one report at a
time or several at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import Department, User
from cocity.core.services import audit_record, notification_send
from cocity.needs.models import (
    OPEN_STATUSES,
    Report,
    ReportFollow,
    ReportSupport,
    ReportUpdate,
    Status,
)
from cocity.needs.services.reports import PRIORITIES
from cocity.needs.tasks import notify_followers_task

MAX_NOTE = 4000


def _notify_followers(update: ReportUpdate) -> None:
    """In the update's transaction, give every follower but its author an in-app notification;
    after the commit, queue the email to the followers who consented to it."""
    report = update.report
    followers = User.objects.filter(needs_follows__report_id=report.pk)
    if update.author_id is not None:
        followers = followers.exclude(pk=update.author_id)
    with translation.override(None):  # store English msgids; they are translated when shown
        status = str(Status(update.new_status).label) if update.new_status else ""
    if update.new_status == Status.DUPLICATE and report.duplicate_of_id is not None:
        text = gettext_noop(
            "Report #%(number)s (%(category)s) was merged into report #%(into)s: "
            "its supporters count there and you follow it."
        )
    elif status:
        text = gettext_noop("Report #%(number)s (%(category)s) is now: %(status)s.")
    else:
        text = gettext_noop("Report #%(number)s (%(category)s) has a new public update.")
    notification_send(
        recipients=followers,
        verb="needs.report_updated",
        text=text,
        params={
            "number": report.pk,
            "category": report.category.all_names(),
            "status": status,
            "into": report.duplicate_of_id,
            "note": update.text[:500],
            "_translate": ["status"],
        },
        link=reverse("needs:detail", kwargs={"pk": report.duplicate_of_id or report.pk}),
    )
    transaction.on_commit(lambda: notify_followers_task.enqueue(update.pk))


def _notify_merged_into(into: Report, duplicate: Report, *, skip: set[int]) -> None:
    """Tell the people following the original report that another report joined it."""
    notification_send(
        recipients=User.objects.filter(needs_follows__report_id=into.pk).exclude(pk__in=skip),
        verb="needs.report_merged",
        text=gettext_noop(
            "Report #%(duplicate)s was merged into report #%(number)s (%(category)s), "
            "which you follow."
        ),
        params={
            "number": into.pk,
            "duplicate": duplicate.pk,
            "category": into.category.all_names(),
        },
        link=reverse("needs:detail", kwargs={"pk": into.pk}),
    )


def _require_triage(actor: User | None, report: Report) -> User:
    if actor is None or not actor.has_perm("needs.triage_report", report):
        raise NotAllowed(code="not_department_official")
    return actor


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def report_change_status(
    *,
    report: Report,
    status: str,
    actor: User | None,
    note: str = "",
    duplicate_of: Report | None = None,
) -> ReportUpdate:
    """Move a report to another status with an optional public note (an official of its
    department or an admin)."""
    actor = _require_triage(actor, report)
    if status not in Status.values:
        raise DomainError(f"Unknown status '{status}'.", code="unknown_status")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError("The note is too long.", code="invalid")
    locked = _lock(report)
    if locked.status == status:
        raise Conflict("The report already has this status.", code="same_status")
    if status == Status.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == locked.pk:
            raise DomainError("Say which report this one duplicates.", code="missing_duplicate")
        if duplicate_of.duplicate_of_id == locked.pk:
            raise DomainError("The two reports would point at each other.", code="merge_loop")
        locked.duplicate_of = duplicate_of
    now = timezone.now()
    old = locked.status
    locked.status = status
    locked.updated_at = now
    if status in OPEN_STATUSES:
        locked.closed_at = None
    elif old in OPEN_STATUSES:
        locked.closed_at = now
    if old == Status.SUBMITTED and locked.first_response_at is None:
        locked.first_response_at = now
    locked.save(
        update_fields=["status", "updated_at", "closed_at", "duplicate_of", "first_response_at"]
    )
    update = ReportUpdate.objects.create(
        report=locked,
        author=actor,
        public=True,
        text=note,
        old_status=old,
        new_status=status,
        created_at=now,
    )
    _notify_followers(update)
    moved: dict[str, int] = {}
    if status == Status.DUPLICATE and duplicate_of is not None:
        # the duplicate's people heard of the merge above; they follow the original from now on
        told = set(ReportFollow.objects.filter(report=locked).values_list("user_id", flat=True))
        _notify_merged_into(duplicate_of, locked, skip=told | {actor.pk})
        moved = _merge_people(locked, duplicate_of)
    audit_record(
        action="needs.report_status_changed",
        actor=actor,
        obj=locked,
        data={
            "from": old,
            "to": status,
            "note": bool(note),
            **({"into": duplicate_of.pk, **moved} if duplicate_of and moved else {}),
        },
    )
    report.status, report.updated_at, report.closed_at = status, now, locked.closed_at
    report.duplicate_of = locked.duplicate_of
    report.first_response_at = locked.first_response_at
    return update


def _merge_people(duplicate: Report, into: Report) -> dict[str, int]:
    """Merging a duplicate: its supporters move to the original (once each); its reporter and
    followers also follow the original, and stay on the duplicate to hear of the merge."""
    already = set(ReportSupport.objects.filter(report=into).values_list("user_id", flat=True))
    moving = ReportSupport.objects.filter(report=duplicate).exclude(user_id__in=already)
    moved_supporters = moving.update(report=into)
    ReportSupport.objects.filter(report=duplicate).delete()
    people = set(ReportFollow.objects.filter(report=duplicate).values_list("user_id", flat=True))
    if duplicate.reporter_id is not None:
        people.add(duplicate.reporter_id)
    following = set(ReportFollow.objects.filter(report=into).values_list("user_id", flat=True))
    ReportFollow.objects.bulk_create(
        [ReportFollow(report=into, user_id=uid) for uid in sorted(people - following)]
    )
    for report in (duplicate, into):
        count = ReportSupport.objects.filter(report=report).count()
        Report.objects.filter(pk=report.pk).update(support_count=count)
        report.support_count = count
    return {"supporters_moved": moved_supporters, "followers_added": len(people - following)}


@transaction.atomic
def report_add_note(
    *, report: Report, actor: User | None, text: str, public: bool = True
) -> ReportUpdate:
    """A public update without a status change, or an internal note (``public=False``)."""
    actor = _require_triage(actor, report)
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the note.", code="invalid", fields={"text": ["Required."]})
    if len(text) > MAX_NOTE:
        raise DomainError("The note is too long.", code="invalid")
    now = timezone.now()
    update = ReportUpdate.objects.create(
        report=report, author=actor, public=public, text=text, created_at=now
    )
    if public:
        Report.objects.filter(pk=report.pk).update(updated_at=now)
        _notify_followers(update)
    audit_record(
        action="needs.report_update_added" if public else "needs.report_note_added",
        actor=actor,
        obj=report,
        data={"public": public},
    )
    return update


@transaction.atomic
def report_reassign(*, report: Report, department: Department, actor: User | None) -> Report:
    actor = _require_triage(actor, report)
    old = report.department.code if report.department else None
    Report.objects.filter(pk=report.pk).update(department=department, updated_at=timezone.now())
    report.department = department
    audit_record(
        action="needs.report_reassigned",
        actor=actor,
        obj=report,
        data={"from": old, "to": department.code},
    )
    return report


@transaction.atomic
def report_set_priority(*, report: Report, priority: int, actor: User | None) -> Report:
    actor = _require_triage(actor, report)
    if priority not in PRIORITIES:
        raise DomainError("Unknown priority.", code="invalid")
    Report.objects.filter(pk=report.pk).update(priority=priority)
    report.priority = priority
    audit_record(
        action="needs.report_priority_set", actor=actor, obj=report, data={"priority": priority}
    )
    return report


@transaction.atomic
def report_bulk_change_status(
    *, reports: Sequence[Report], status: str, actor: User | None, note: str = ""
) -> int:
    """One status (and public note) for several reports, all or none: a report the actor may
    not triage, or any other failure, leaves every report as it was. Reports that already have
    the status are left alone. Returns how many changed."""
    current = _stored(reports, "status")
    changed = 0
    for report in reports:
        if current.get(report.pk) != status:
            report_change_status(report=report, status=status, actor=actor, note=note)
            changed += 1
    return changed


@transaction.atomic
def report_bulk_reassign(
    *, reports: Sequence[Report], department: Department, actor: User | None
) -> int:
    """Move several reports to another department, all or none (as ``report_bulk_change_
    status``). Reports already there are left alone. Returns how many moved."""
    current = _stored(reports, "department_id")
    moved = 0
    for report in reports:
        if current.get(report.pk) != department.pk:
            report_reassign(report=report, department=department, actor=actor)
            moved += 1
    return moved


def _stored(reports: Sequence[Report], column: str) -> dict[int, Any]:
    """Each report's ``column`` as stored (the instances may be out of date), locked until the
    transaction ends."""
    rows = Report.objects.select_for_update().filter(pk__in=[r.pk for r in reports])
    return dict(rows.values_list("pk", column))
