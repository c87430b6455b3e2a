"""Privacy by default: public names, the public audit log, the personal-data export, deletion."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from rest_framework.test import APIClient

from cocity.core import services
from cocity.core.models import Role, User


def test_public_name_never_shows_the_email(db: None) -> None:
    user = services.user_create(email="maria.lopez@example.org", password="pw-12345-long")
    assert user.public_name == "Anonymous"
    assert "maria" not in str(user)
    user.display_name = "Mari"
    assert user.public_name == "Mari"


def test_public_name_is_translated(db: None) -> None:
    from django.utils import translation

    user = services.user_create(email="maria.lopez@example.org", password="pw-12345-long")
    with translation.override("es"):
        assert user.public_name == "Anónimo"


def test_anonymous_reporter_is_not_named_after_their_email(city: dict[str, Any]) -> None:
    from cocity.needs import services as needs

    category = needs.category_create(
        code="litter", name="Litter", department=city["departments"]["roads"], expected_days=3
    )
    user = services.user_create(email="jose.garcia@example.org", password="pw-12345-long")
    report = needs.report_submit(
        category=category, description="Bags on the pavement", lat=40.965, lon=-5.695, reporter=user
    )
    page = Client().get(f"/needs/{report.pk}/").content.decode()
    assert "jose.garcia" not in page
    assert report.reporter_name == "Anonymous"


def test_public_audit_log_names_roles_not_users(client: Client, city: dict[str, Any]) -> None:
    official = city["users"][Role.OFFICIAL]
    services.user_set_role(user=city["users"][Role.RESIDENT], role=Role.MODERATOR, actor=official)
    html = client.get("/audit/").content.decode()
    assert f"user:{official.pk}" not in html
    assert "City official" in html
    entries = APIClient().get("/api/audit/").json()["results"]
    assert all("actor_label" not in e for e in entries)
    assert not any(e["actor"].startswith("user:") for e in entries)
    assert {"official", "system"} <= {e["actor"] for e in entries}


def test_admins_still_read_the_hashed_label(city: dict[str, Any]) -> None:
    api = APIClient()
    api.force_authenticate(city["users"][Role.ADMIN])
    entries = api.get("/api/audit/").json()["results"]
    assert all("actor_label" in e for e in entries)
    # the chain still verifies: what is hashed did not change
    assert services.audit_verify() is None


def _one_of_everything(city: dict[str, Any]) -> User:
    from cocity.deliberation import services as deliberation
    from cocity.needs import services as needs

    user = services.user_create(
        email="ana@example.org", password="pw-12345-long", display_name="Ana"
    )
    category = needs.category_create(
        code="litter", name="Litter", department=city["departments"]["roads"], expected_days=3
    )
    mine = needs.report_submit(
        category=category, description="My own report", lat=40.965, lon=-5.695, reporter=user
    )
    other = needs.report_submit(
        category=category, description="Someone else's", lat=40.955, lon=-5.695
    )
    needs.report_support(report=other, user=user)
    needs.report_follow(report=other, user=user)
    conversation = deliberation.conversation_create(
        actor=city["users"][Role.OFFICIAL], topic="Buses", seed_statements=["More buses."]
    )
    deliberation.vote_cast(statement=conversation.statements.get(), value=1, user=user)
    deliberation.statement_submit(conversation=conversation, body="Night buses too.", user=user)
    services.notification_send(recipients=[user], verb="test", text="Hello Ana")
    services.consent_grant(user=user, purpose="email_updates")
    user.mine_id = mine.pk  # type: ignore[attr-defined]
    user.other_id = other.pk  # type: ignore[attr-defined]
    return user


def _check_export(data: dict[str, Any], user: Any) -> None:
    assert data["account"]["email"] == "ana@example.org"
    assert [r["description"] for r in data["needs"]["reports"]] == ["My own report"]
    assert [s["report"] for s in data["needs"]["supports"]] == [user.other_id]
    # reporters follow their own reports
    assert sorted(f["report"] for f in data["needs"]["follows"]) == [user.mine_id, user.other_id]
    votes = [v for p in data["deliberation"]["participations"] for v in p["votes"]]
    # the seed statement's vote, and the agree vote an author gives their own statement
    assert [(v["statement"], v["vote"]) for v in votes] == [(0, 1), (1, 1)]
    assert [s["body"] for s in data["deliberation"]["statements"]] == ["Night buses too."]
    assert [n["message"] for n in data["notifications"]] == ["Hello Ana"]
    assert [c["purpose"] for c in data["consents"]] == ["email_updates"]


def test_export_holds_everything_stored_about_the_person(city: dict[str, Any]) -> None:
    user = _one_of_everything(city)
    api = APIClient()
    api.force_authenticate(user)
    _check_export(api.get("/api/me/data/").json(), user)
    client = Client()
    client.force_login(user)
    _check_export(json.loads(client.get("/me/data.json").content), user)


def test_deleting_the_account_asks_for_the_password(client: Client, city: dict[str, Any]) -> None:
    user = city["users"][Role.RESIDENT]
    client.force_login(user)
    page = client.get("/me/privacy/").content.decode()
    assert 'autocomplete="current-password"' in page
    wrong = client.post("/me/delete/", {"confirm": "DELETE", "password": "not-my-password"})
    assert wrong.status_code == 400
    assert "This is not your current password." in wrong.content.decode()
    user.refresh_from_db()
    assert user.anonymised_at is None
    assert user.is_active
    missing = client.post("/me/delete/", {"confirm": "DELETE"})
    assert missing.status_code == 400
    user.refresh_from_db()
    assert user.anonymised_at is None
    res = client.post("/me/delete/", {"confirm": "DELETE", "password": "pw-12345-long"})
    assert res.status_code == 302
    user.refresh_from_db()
    assert user.anonymised_at is not None


def test_people_choose_their_public_name(client: Client, db: None) -> None:
    user = services.user_create(email="lucia.perez@example.org", password="pw-12345-long")
    client.force_login(user)
    assert client.post("/me/name/", {"display_name": "  Lucía   P. "}).status_code == 302
    user.refresh_from_db()
    assert user.public_name == "Lucía P."
    assert "Lucía P." in client.get("/me/privacy/").content.decode()
    client.post("/me/name/", {"display_name": ""})
    user.refresh_from_db()
    assert user.public_name == "Anonymous"
    # the public log says the name changed, never what it is
    from cocity.core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="user.public_name_changed").last()
    assert entry is not None
    assert "Lucía" not in json.dumps(entry.data)
