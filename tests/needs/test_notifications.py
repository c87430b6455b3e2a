"""Followers of a report get an in-app notification for every public update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cocity.core.errors import Conflict
from cocity.core.models import Notification
from cocity.needs import services
from cocity.needs.models import Report, Status

pytestmark = pytest.mark.django_db

Submit = Callable[..., Report]


def notes_of(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_public_updates_notify_every_follower_but_the_author(
    needs: dict[str, Any], submit: Submit
) -> None:
    users = needs["users"]
    reporter, official = users["resident"], users["official"]
    supporter = users["organisation_member"]
    report = submit(reporter=reporter)  # the reporter follows their report
    services.report_support(report=report, user=supporter)  # supporters follow too
    services.report_follow(report=report, user=official)  # the author is never told

    services.report_change_status(
        report=report, status=Status.IN_PROGRESS, actor=official, note="Crew on the way"
    )
    for person in (reporter, supporter):
        [note] = notes_of(person)
        assert note.verb == "needs.report_updated"
        assert note.message == f"Report #{report.pk} (Pothole) is now: In progress."
        assert note.link == f"/needs/{report.pk}/"
        assert note.params["note"] == "Crew on the way"
        assert note.read_at is None
    assert notes_of(official) == []

    services.report_add_note(report=report, actor=official, text="Road closed on Monday")
    assert notes_of(reporter)[-1].message == (
        f"Report #{report.pk} (Pothole) has a new public update."
    )
    services.report_add_note(report=report, actor=official, text="internal", public=False)
    assert len(notes_of(reporter)) == 2  # internal notes tell nobody


def test_a_refused_update_leaves_no_notification(needs: dict[str, Any], submit: Submit) -> None:
    users = needs["users"]
    report = submit(reporter=users["resident"])
    with pytest.raises(Conflict):
        services.report_change_status(
            report=report, status=Status.SUBMITTED, actor=users["official"]
        )
    assert notes_of(users["resident"]) == []


def test_merged_duplicate_tells_its_followers(needs: dict[str, Any], submit: Submit) -> None:
    users = needs["users"]
    original = submit(description="first")
    duplicate = submit(description="second", reporter=users["resident"])
    services.report_change_status(
        report=duplicate, status=Status.DUPLICATE, actor=users["official"], duplicate_of=original
    )
    [note] = notes_of(users["resident"])
    assert note.message == (
        f"Report #{duplicate.pk} (Pothole) was merged into report #{original.pk}: "
        "its supporters count there and you follow it."
    )
    assert note.link == f"/needs/{original.pk}/"


def test_merge_tells_the_original_reports_people_too(needs: dict[str, Any], submit: Submit) -> None:
    users = needs["users"]
    original = submit(description="first", reporter=users["moderator"])
    services.report_follow(report=original, user=users["admin"])
    duplicate = submit(description="second", reporter=users["resident"])
    services.report_change_status(
        report=duplicate, status=Status.DUPLICATE, actor=users["official"], duplicate_of=original
    )
    for role in ("moderator", "admin"):
        [note] = notes_of(users[role])
        assert note.verb == "needs.report_merged"
        assert note.message == (
            f"Report #{duplicate.pk} was merged into report #{original.pk} (Pothole), "
            "which you follow."
        )
        assert note.link == f"/needs/{original.pk}/"
    assert len(notes_of(users["resident"])) == 1  # the duplicate's notice only
    assert notes_of(users["official"]) == []  # the one who merged


def test_follower_sees_it_on_the_page_in_spanish(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    users = needs["users"]
    report = submit(reporter=users["resident"])
    services.report_change_status(report=report, status=Status.FIXED, actor=users["official"])
    assert client.login(email=users["resident"].email, password="pw-12345-long")
    client.cookies["django_language"] = "es"
    html = client.get("/notifications/").content.decode()
    assert f"El aviso n.º {report.pk} (Pothole) está ahora: Resuelto." in html
    assert f'href="/needs/{report.pk}/"' in html
