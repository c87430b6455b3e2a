from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cocity.core.errors import DomainError, NotAllowed
from cocity.core.models import AuditEntry
from cocity.core.services import audit_verify
from cocity.needs import selectors, services
from cocity.needs.geo import cells_within, h3_cell, haversine_m
from cocity.needs.models import (
    Open311Key,
    Report,
    ReportFollow,
    ReportSupport,
    ReportUpdate,
    Status,
    open311_status,
)

pytestmark = pytest.mark.django_db

Submit = Callable[..., Report]


def test_submit_locates_routes_and_audits(needs: dict[str, Any], submit: Submit) -> None:
    resident = needs["users"]["resident"]
    report = submit(where=needs["points"]["s2"], reporter=resident, address="Calle Mayor 1")
    report.refresh_from_db()
    assert report.area == needs["areas"]["s2"]
    assert report.department == needs["departments"]["roads"]
    assert report.h3_cell == h3_cell(40.955, -5.685)
    assert len(report.h3_cell) == 15
    assert report.status == Status.SUBMITTED
    assert report.is_open
    assert report.anonymous is False
    assert report.reporter_name == "Resident"
    assert report.expected_at is not None
    assert report.expected_at - report.created_at == timedelta(days=10)
    assert len(report.tracking_token) >= 16
    assert ReportFollow.objects.filter(report=report, user=resident).exists()
    entry = AuditEntry.objects.get(action="needs.report_submitted")
    assert entry.object_id == str(report.pk)
    assert entry.actor == resident
    assert entry.data["area"] == "s2"
    assert audit_verify() is None


def test_anonymous_report_hides_reporter_in_public_log(
    needs: dict[str, Any], submit: Submit
) -> None:
    resident = needs["users"]["resident"]
    report = submit(reporter=resident, anonymous=True)
    assert report.reporter_name == "Anonymous"
    assert AuditEntry.objects.get(action="needs.report_submitted").actor is None
    no_account = submit(where=needs["points"]["n2"])
    assert no_account.anonymous
    assert no_account.reporter is None
    assert selectors.report_by_token(no_account.tracking_token) == no_account


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"lat": 41.5, "lon": -5.0}, "outside_city"),
        ({"lat": "north", "lon": -5.69}, "invalid_location"),
        ({"lat": 95, "lon": -5.69}, "invalid_location"),
        ({"lat": float("nan"), "lon": -5.69}, "invalid_location"),
        ({"description": "   "}, "missing_description"),
        ({"description": "x" * 4001}, "invalid"),
        ({"category": "no-such-thing"}, "unknown_service"),
        ({"attributes": {}, "channel": "api"}, "missing_attribute"),
        ({"attributes": {"size": "huge"}}, "invalid"),
        ({"attributes": {"size": "small", "colour": "red"}}, "unknown_attribute"),
        ({"attributes": {"size": "small", "depth_cm": "deep"}}, "invalid"),
        ({"attributes": {"size": "small", "hazards": ["fire"]}}, "invalid"),
        ({"channel": "pigeon"}, "invalid"),
    ],
)
def test_bad_submissions_are_refused_and_leave_no_rows(
    needs: dict[str, Any], kwargs: dict[str, Any], code: str
) -> None:
    args: dict[str, Any] = {
        "category": needs["categories"]["pothole"],
        "description": "Deep hole",
        "lat": 40.965,
        "lon": -5.695,
        "attributes": {"size": "small"},
    }
    args.update(kwargs)
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as err:
        services.report_submit(**args)
    assert err.value.code == code
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_failure_late_in_submission_rolls_everything_back(
    needs: dict[str, Any], submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.reports, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        submit(reporter=needs["users"]["resident"])
    assert Report.objects.count() == 0
    assert ReportFollow.objects.count() == 0


def test_what_submission_builds_passes_full_clean(needs: dict[str, Any]) -> None:
    """report_submit skips full_clean on the hot path: what it builds must pass it anyway."""
    report, _, area_code = services._report_prepare(
        category="pothole",
        description="  Deep hole  ",
        lat="40.955",
        lon="-5.685",
        reporter=needs["users"]["resident"],
        anonymous=False,
        channel="sms",
        address="Calle " + "x" * 300,
        contact_email="  someone@example.org ",
        phone="+34 600 111 222",
        attributes={"size": "large", "hazards": ["water", "traffic"]},
        api_key=None,
        priority=3,
    )
    report.full_clean(validate_unique=False)
    assert area_code == "s2"
    assert report.area_id == needs["areas"]["s2"].pk
    assert report.department == needs["departments"]["roads"]
    assert report.contact_email == "someone@example.org"
    assert len(report.address) == 200


@pytest.mark.parametrize("email", ["not-an-email", "a@" + "b" * 250 + ".org"])
def test_contact_email_is_checked(needs: dict[str, Any], submit: Submit, email: str) -> None:
    with pytest.raises(DomainError) as err:
        submit(contact_email=email)
    assert err.value.code == "invalid"
    assert set(err.value.fields) == {"contact_email"}
    assert Report.objects.count() == 0


def test_unknown_priority_is_refused(needs: dict[str, Any], submit: Submit) -> None:
    with pytest.raises(DomainError) as err:
        submit(priority=9)
    assert err.value.code == "invalid"
    assert Report.objects.count() == 0


def test_inactive_category_takes_no_reports(needs: dict[str, Any], submit: Submit) -> None:
    tree = needs["categories"]["tree"]
    tree.active = False
    tree.save()
    with pytest.raises(DomainError) as err:
        submit("tree")
    assert err.value.code == "unknown_service"


def test_required_attributes_bind_only_open311_clients(
    needs: dict[str, Any], submit: Submit
) -> None:
    for channel in ("web", "sms", "phone", "paper", "organisation"):
        assert submit(attributes={}, channel=channel).attributes == {}


def test_multivalue_attributes_are_kept(needs: dict[str, Any], submit: Submit) -> None:
    report = submit(attributes={"size": ["large"], "hazards": ["water", "traffic"]})
    assert report.attributes == {"size": "large", "hazards": ["water", "traffic"]}


def test_category_attribute_definitions_are_checked(needs: dict[str, Any]) -> None:
    with pytest.raises(DomainError):
        services.category_create(
            code="bad",
            name="Bad",
            department=needs["departments"]["roads"],
            attributes=[{"code": "x", "datatype": "colour"}],
        )
    with pytest.raises(DomainError):
        services.category_create(
            code="not a slug!", name="Bad", department=needs["departments"]["roads"]
        )


def test_status_lifecycle_by_department_official(needs: dict[str, Any], submit: Submit) -> None:
    official = needs["users"]["official"]
    report = submit()
    update = services.report_change_status(
        report=report, status=Status.IN_PROGRESS, actor=official, note="Crew on the way"
    )
    assert update.public
    assert update.old_status == "submitted"
    assert update.new_status == "in_progress"
    assert report.open311_status == "open"
    services.report_change_status(report=report, status=Status.FIXED, actor=official)
    report.refresh_from_db()
    assert report.status == Status.FIXED
    assert report.closed_at is not None
    assert report.open311_status == "closed"
    services.report_change_status(report=report, status=Status.ACKNOWLEDGED, actor=official)
    report.refresh_from_db()
    assert report.closed_at is None
    with pytest.raises(DomainError) as err:
        services.report_change_status(report=report, status=Status.ACKNOWLEDGED, actor=official)
    assert err.value.code == "same_status"
    with pytest.raises(DomainError):
        services.report_change_status(report=report, status="exploded", actor=official)
    actions = list(
        AuditEntry.objects.filter(action="needs.report_status_changed").values_list(
            "data", flat=True
        )
    )
    assert [a["to"] for a in actions] == ["in_progress", "fixed", "acknowledged"]


def test_first_response_is_when_a_report_first_leaves_submitted(
    needs: dict[str, Any], submit: Submit
) -> None:
    official = needs["users"]["official"]
    report = submit()
    services.report_add_note(report=report, actor=official, text="Looking into it")
    report.refresh_from_db()
    assert report.first_response_at is None  # a note is not an answer
    first = services.report_change_status(report=report, status=Status.ACKNOWLEDGED, actor=official)
    assert report.first_response_at == first.created_at
    services.report_change_status(report=report, status=Status.SUBMITTED, actor=official)
    services.report_change_status(report=report, status=Status.FIXED, actor=official)
    report.refresh_from_db()
    assert report.first_response_at == first.created_at  # the first one stays


def test_first_responses_of_earlier_reports_are_filled_from_their_timeline(
    needs: dict[str, Any], submit: Submit
) -> None:
    """The migration that added ``first_response_at`` fills it from the timeline."""
    from django.apps import apps

    backfill = importlib.import_module(
        "cocity.needs.migrations.0013_report_first_response"
    ).backfill
    official = needs["users"]["official"]
    answered, waiting, noted = submit(), submit(), submit()
    first = services.report_change_status(report=answered, status=Status.SCHEDULED, actor=official)
    services.report_change_status(report=answered, status=Status.FIXED, actor=official)
    services.report_add_note(report=noted, actor=official, text="Seen")
    Report.objects.update(first_response_at=None)
    backfill(apps, None)
    got = dict(Report.objects.values_list("pk", "first_response_at"))
    assert got == {answered.pk: first.created_at, waiting.pk: None, noted.pk: None}


@pytest.mark.parametrize(
    ("status", "expected"),
    [(s, "open") for s in ("submitted", "acknowledged", "in_progress", "scheduled")]
    + [
        (s, "closed")
        for s in ("fixed", "duplicate", "not_our_responsibility", "no_further_action", "closed")
    ],
)
def test_open311_status_mapping(status: str, expected: str) -> None:
    assert open311_status(status) == expected


def test_only_officials_of_the_department_or_admins_triage(
    needs: dict[str, Any], submit: Submit
) -> None:
    users = needs["users"]
    tree_report = submit("tree")  # parks; the official belongs to roads
    for role in ("resident", "moderator", "organisation_member", "official"):
        with pytest.raises(NotAllowed):
            services.report_change_status(
                report=tree_report, status=Status.FIXED, actor=users[role]
            )
    with pytest.raises(NotAllowed):
        services.report_add_note(report=tree_report, actor=None, text="hi")
    services.report_change_status(report=tree_report, status=Status.FIXED, actor=users["admin"])
    assert Report.objects.get(pk=tree_report.pk).status == Status.FIXED


def test_duplicate_needs_the_original(needs: dict[str, Any], submit: Submit) -> None:
    official = needs["users"]["official"]
    first, second = submit(), submit()
    with pytest.raises(DomainError):
        services.report_change_status(report=second, status=Status.DUPLICATE, actor=official)
    services.report_change_status(
        report=second, status=Status.DUPLICATE, actor=official, duplicate_of=first
    )
    second.refresh_from_db()
    assert second.duplicate_of == first
    assert second.open311_status == "closed"


def test_notes_public_and_internal(needs: dict[str, Any], submit: Submit) -> None:
    official = needs["users"]["official"]
    report = submit()
    services.report_add_note(report=report, actor=official, text="We will look tomorrow")
    services.report_add_note(report=report, actor=official, text="Needs a crane", public=False)
    with pytest.raises(DomainError):
        services.report_add_note(report=report, actor=official, text="  ")
    with pytest.raises(DomainError):
        services.report_add_note(report=report, actor=official, text="x" * 5000)
    public = [u.text for u in selectors.report_timeline(report=report)]
    everything = [u.text for u in selectors.report_timeline(report=report, include_internal=True)]
    assert public == ["We will look tomorrow"]
    assert everything == ["We will look tomorrow", "Needs a crane"]
    assert selectors.latest_public_notes([report]) == {report.pk: "We will look tomorrow"}


def test_reassign_and_priority(needs: dict[str, Any], submit: Submit) -> None:
    official = needs["users"]["official"]
    report = submit()
    services.report_set_priority(report=report, priority=4, actor=official)
    with pytest.raises(DomainError):
        services.report_set_priority(report=report, priority=9, actor=official)
    services.report_reassign(
        report=report, department=needs["departments"]["parks"], actor=official
    )
    report.refresh_from_db()
    assert report.priority == 4
    assert report.department == needs["departments"]["parks"]
    # it left the roads official's hands
    with pytest.raises(NotAllowed):
        services.report_add_note(report=report, actor=official, text="mine?")


def test_bulk_status_change_is_all_or_nothing(needs: dict[str, Any], submit: Submit) -> None:
    official = needs["users"]["official"]
    first, second = submit(), submit()
    tree = submit("tree")  # parks: not the roads official's to change
    audit_before = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        services.report_bulk_change_status(
            reports=[first, second, tree], status=Status.ACKNOWLEDGED, actor=official, note="Seen"
        )
    statuses = set(Report.objects.values_list("status", flat=True))
    assert statuses == {Status.SUBMITTED}  # the two before the refusal were rolled back too
    assert not ReportUpdate.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    changed = services.report_bulk_change_status(
        reports=[first, second], status=Status.ACKNOWLEDGED, actor=official, note="Seen"
    )
    assert changed == 2
    assert Report.objects.get(pk=first.pk).status == Status.ACKNOWLEDGED
    assert [u.text for u in ReportUpdate.objects.filter(report=second)] == ["Seen"]
    # already acknowledged: left alone, nothing published
    assert (
        services.report_bulk_change_status(
            reports=[first], status=Status.ACKNOWLEDGED, actor=official
        )
        == 0
    )
    assert ReportUpdate.objects.count() == 2


def test_bulk_reassign_is_all_or_nothing(needs: dict[str, Any], submit: Submit) -> None:
    from cocity.core.services import department_create

    official = needs["users"]["official"]  # of roads
    cleaning = department_create(code="cleaning", name="Cleaning")
    first, second = submit(), submit()
    tree = submit("tree")  # parks': not the roads official's to move
    with pytest.raises(NotAllowed):
        services.report_bulk_reassign(
            reports=[first, second, tree], department=cleaning, actor=official
        )
    stored = dict(Report.objects.values_list("pk", "department__code"))
    assert stored == {first.pk: "roads", second.pk: "roads", tree.pk: "parks"}
    assert not AuditEntry.objects.filter(action="needs.report_reassigned").exists()
    moved = services.report_bulk_reassign(
        reports=[first, second, tree], department=cleaning, actor=needs["users"]["admin"]
    )
    assert moved == 3
    assert set(Report.objects.values_list("department__code", flat=True)) == {"cleaning"}
    # already there: left alone
    assert (
        services.report_bulk_reassign(
            reports=[first], department=cleaning, actor=needs["users"]["admin"]
        )
        == 0
    )
    assert AuditEntry.objects.filter(action="needs.report_reassigned").count() == 3


def test_support_and_follow(needs: dict[str, Any], submit: Submit) -> None:
    users = needs["users"]
    report = submit(reporter=users["resident"])
    assert services.report_support(report=report, user=users["moderator"]) is True
    assert services.report_support(report=report, user=users["moderator"]) is False
    report.refresh_from_db()
    assert report.support_count == 1
    assert ReportSupport.objects.filter(report=report).count() == 1
    assert selectors.is_supporter(report=report, user=users["moderator"])
    assert selectors.is_follower(report=report, user=users["moderator"])
    assert services.report_follow(report=report, user=users["moderator"], follow=False) is True
    assert services.report_follow(report=report, user=users["moderator"], follow=False) is False
    assert services.report_follow(report=report, user=users["admin"]) is True
    assert not selectors.is_follower(report=report, user=users["moderator"])
    with pytest.raises(NotAllowed):
        services.report_support(report=report, user=None)
    services.report_change_status(report=report, status=Status.FIXED, actor=users["official"])
    with pytest.raises(DomainError) as err:
        services.report_support(report=report, user=users["admin"])
    assert err.value.code == "report_closed"


def test_nearby_open_duplicates(needs: dict[str, Any], submit: Submit) -> None:
    lat, lon = 40.965, -5.695
    near = submit(where=(lat + 0.001, lon))  # ~111 m north
    edge = submit(where=(lat, lon + 0.0029))  # ~244 m east
    submit(where=(lat + 0.003, lon))  # ~333 m: too far
    submit("tree", where=(lat, lon))  # other category
    closed = submit(where=(lat, lon))
    services.report_change_status(
        report=closed, status=Status.FIXED, actor=needs["users"]["official"]
    )
    found = selectors.reports_nearby_open(category=needs["categories"]["pothole"], lat=lat, lon=lon)
    assert [n.report for n in found] == [near, edge]
    assert 105 < found[0].distance_m < 118
    assert found[1].distance_m <= 250
    assert selectors.reports_nearby_open(
        category=needs["categories"]["pothole"], lat=lat, lon=lon, exclude_id=near.pk
    ) == [found[1]]


def test_h3_candidate_cells_cover_the_radius() -> None:
    """Every point within 250 m falls inside one of the candidate cells (checked on a ring)."""
    import math

    lat, lon = 40.9612, -5.6931
    cells = set(cells_within(lat, lon, 250))
    for step in range(72):
        angle = math.radians(step * 5)
        dlat = 249 * math.cos(angle) / 111_195
        dlon = 249 * math.sin(angle) / (111_195 * math.cos(math.radians(lat)))
        assert haversine_m(lat, lon, lat + dlat, lon + dlon) == pytest.approx(249, abs=1)
        assert h3_cell(lat + dlat, lon + dlon) in cells


def test_triage_queue_is_per_department(needs: dict[str, Any], submit: Submit) -> None:
    users = needs["users"]
    road, tree = submit(), submit("tree", where=needs["points"]["s1"])
    assert list(selectors.triage_queue(user=users["official"])) == [road]
    assert list(selectors.triage_queue(user=users["admin"])) == [road, tree]
    assert list(selectors.triage_queue(user=users["admin"], area="s1")) == [tree]
    assert list(selectors.report_list(status="closed")) == []
    assert list(selectors.report_list(status="submitted", category="fallen-tree")) == [tree]
    assert selectors.report_get("nope") is None


def test_open311_key_command_prints_a_working_key(db: None, capsys: Any) -> None:
    call_command("open311", "create-key", "Mobile app")
    key = capsys.readouterr().out.strip()
    assert len(key) >= 30
    row = selectors.open311_key_valid(key)
    assert row is not None
    assert row.name == "Mobile app"
    assert key not in Open311Key.objects.values_list("key_hash", flat=True)
    assert selectors.open311_key_valid("wrong") is None
    with pytest.raises(CommandError):
        call_command("open311", "create-key", "  ")


def test_updates_are_ordered_and_counted(needs: dict[str, Any], submit: Submit) -> None:
    report = submit()
    services.report_add_note(report=report, actor=needs["users"]["official"], text="one")
    assert ReportUpdate.objects.filter(report=report).count() == 1


def test_idempotent_submission_returns_the_first_report(
    needs: dict[str, Any], submit: Submit
) -> None:
    first = submit(idempotency_key="form-1", idempotency_scope="web:s1")
    again = submit(idempotency_key="form-1", idempotency_scope="web:s1")
    assert again == first
    assert Report.objects.count() == 1
    assert AuditEntry.objects.filter(action="needs.report_submitted").count() == 1
    assert submit(idempotency_key="form-1", idempotency_scope="web:s2") != first
    assert Report.objects.count() == 2


def test_a_key_sent_again_with_another_payload_is_refused(
    needs: dict[str, Any], submit: Submit
) -> None:
    submit(idempotency_key="form-1", idempotency_scope="web:s1")
    with pytest.raises(DomainError) as refused:
        submit(idempotency_key="form-1", idempotency_scope="web:s1", description="changed")
    assert refused.value.status == 422
    assert refused.value.code == "idempotency_key_reused"
    assert Report.objects.count() == 1


def test_a_key_longer_than_allowed_is_refused_not_cut(
    needs: dict[str, Any], submit: Submit
) -> None:
    submit(idempotency_key="k" * 120, idempotency_scope="api:1")
    with pytest.raises(DomainError) as refused:
        # once cut to 120 characters it would have matched the first key
        submit(idempotency_key="k" * 121, idempotency_scope="api:1", description="other")
    assert refused.value.code == "invalid_idempotency_key"
    assert Report.objects.count() == 1


def test_followers_who_allowed_email_hear_of_public_updates(
    needs: dict[str, Any], submit: Submit, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    from cocity.core.services import consent_grant
    from cocity.needs.tasks import notify_followers_task

    users = needs["users"]
    report = submit(reporter=users["resident"])  # the reporter follows
    services.report_follow(report=report, user=users["moderator"])  # no email consent
    consent_grant(user=users["resident"], purpose="email_updates")
    with django_capture_on_commit_callbacks() as callbacks:
        update = services.report_change_status(
            report=report, status=Status.SCHEDULED, actor=users["official"], note="Monday"
        )
    assert len(callbacks) == 1  # queued after the commit
    assert notify_followers_task.call(update.pk) == 1
    [mail] = mailoutbox
    assert mail.to == [users["resident"].email]
    assert mail.subject == f"Update on report #{report.pk}: Pothole"
    assert "New status: Scheduled" in mail.body
    assert "Monday" in mail.body
    assert f"/needs/{report.pk}/" in mail.body
    note = services.report_add_note(
        report=report, actor=users["official"], text="Secret", public=False
    )
    assert notify_followers_task.call(note.pk) == 0
    assert notify_followers_task.call(999_999) == 0


def test_merging_a_duplicate_moves_supporters_and_followers(
    needs: dict[str, Any], submit: Submit
) -> None:
    users = needs["users"]
    original = submit(reporter=users["moderator"])
    duplicate = submit(reporter=users["resident"])
    services.report_support(report=duplicate, user=users["organisation_member"])
    services.report_support(report=duplicate, user=users["admin"])
    services.report_support(report=original, user=users["admin"])  # already there: counted once
    services.report_change_status(
        report=duplicate,
        status=Status.DUPLICATE,
        actor=users["official"],
        note=f"Same as #{original.pk}",
        duplicate_of=original,
    )
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert original.support_count == 2
    assert set(original.supports.values_list("user__role", flat=True)) == {
        "organisation_member",
        "admin",
    }
    assert duplicate.support_count == 0
    followers = set(original.follows.values_list("user__role", flat=True))
    assert {"resident", "organisation_member", "admin", "moderator"} <= followers
    # the duplicate's people still hear of the merge
    assert duplicate.follows.filter(user=users["resident"]).exists()
    entry = AuditEntry.objects.filter(action="needs.report_status_changed").get()
    assert entry.data["into"] == original.pk
    assert entry.data["supporters_moved"] == 1
    with pytest.raises(DomainError) as err:
        services.report_change_status(
            report=original,
            status=Status.DUPLICATE,
            actor=users["official"],
            duplicate_of=duplicate,
        )
    assert err.value.code == "merge_loop"


def test_reporter_cannot_support_own_report(needs: dict[str, Any], submit: Submit) -> None:
    resident = needs["users"]["resident"]
    report = submit(reporter=resident)
    with pytest.raises(DomainError) as err:
        services.report_support(report=report, user=resident)
    assert err.value.code == "own_report"
    report.refresh_from_db()
    assert report.support_count == 0
    assert not ReportSupport.objects.filter(report=report).exists()
    # somebody else still can
    assert services.report_support(report=report, user=needs["users"]["moderator"]) is True


def test_email_goes_out_in_the_language_the_follower_last_browsed_in(
    client: Any, needs: dict[str, Any], submit: Submit, mailoutbox: Any
) -> None:
    from cocity.core.services import consent_grant
    from cocity.needs.tasks import notify_followers_task

    users = needs["users"]
    resident = users["resident"]
    report = submit(reporter=resident)
    consent_grant(user=resident, purpose="email_updates")
    client.force_login(resident)
    client.cookies["django_language"] = "es"
    client.get("/")  # the resident browses in Spanish
    update = services.report_change_status(
        report=report, status=Status.FIXED, actor=users["official"], note="Hecho"
    )
    assert notify_followers_task.call(update.pk) == 1
    [mail] = mailoutbox
    assert mail.subject == f"Novedad en el aviso n.º {report.pk}: Pothole"
    assert "Nuevo estado: Resuelto" in mail.body
