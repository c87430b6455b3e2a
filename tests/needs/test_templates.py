"""Officials keep the ready-made public answers in the back office (/needs/templates/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cocity.core.models import AuditEntry
from cocity.needs.models import Report, ReportUpdate, ResponseTemplate

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-long"


def login(client: Client, needs: dict[str, Any], role: str) -> None:
    assert client.login(email=needs["users"][role].email, password=PASSWORD)


def test_the_six_answers_come_in_english_and_spanish(db: None) -> None:
    rows = ResponseTemplate.objects.all()
    assert sorted({t.code for t in rows}) == [
        "crew",
        "duplicate",
        "fixed",
        "private",
        "received",
        "scheduled",
    ]
    assert sorted({t.language for t in rows}) == ["en", "es"]
    assert rows.get(code="fixed", language="es").text == "Ya está resuelto. Gracias por avisarnos."


def test_only_officials_and_admins_manage_templates(client: Client, needs: dict[str, Any]) -> None:
    crew = ResponseTemplate.objects.get(code="crew", language="en")
    assert client.get("/needs/templates/").status_code == 302  # sign in first
    for role in ("resident", "moderator", "organisation_member"):
        login(client, needs, role)
        assert client.get("/needs/templates/").status_code == 403
        assert client.post(f"/needs/templates/{crew.pk}/", {"action": "delete"}).status_code == 403
    assert ResponseTemplate.objects.filter(pk=crew.pk).exists()
    for role in ("official", "admin"):
        login(client, needs, role)
        html = client.get("/needs/triage/").content.decode()
        assert 'href="/needs/templates/"' in html
        assert "A crew has been assigned" in client.get("/needs/templates/").content.decode()


def test_an_official_rewords_an_answer_and_the_next_update_uses_it(
    client: Client, needs: dict[str, Any], submit: Callable[..., Report]
) -> None:
    report = submit()
    login(client, needs, "official")
    crew = ResponseTemplate.objects.get(code="crew", language="en")
    page = client.get(f"/needs/templates/{crew.pk}/").content.decode()
    assert "A crew has been assigned and will visit soon." in page
    res = client.post(
        f"/needs/templates/{crew.pk}/",
        {"title": "Crew on the way", "text": "Our crew will visit within 48 hours."},
    )
    assert res.status_code == 302
    entry = AuditEntry.objects.filter(action="needs.response_template_updated").get()
    assert entry.actor == needs["users"]["official"]
    triage = client.get(f"/needs/triage/{report.pk}/").content.decode()
    assert "Crew on the way — Our crew will visit within 48 hours." in triage
    client.post(
        f"/needs/triage/{report.pk}/",
        {"action": "status", "status-status": "in_progress", "status-template": "crew"},
    )
    assert ReportUpdate.objects.get(report=report).text == "Our crew will visit within 48 hours."


def test_the_answer_is_published_in_the_officials_language(
    client: Client, needs: dict[str, Any], submit: Callable[..., Report]
) -> None:
    report = submit()
    login(client, needs, "official")
    client.cookies["django_language"] = "es"
    url = f"/needs/triage/{report.pk}/"
    assert "Equipo asignado — Se ha asignado un equipo" in client.get(url).content.decode()
    data = {"action": "status", "status-status": "in_progress", "status-template": "crew"}
    client.post(url, data)
    assert ReportUpdate.objects.get(report=report).text == (
        "Se ha asignado un equipo que pasará pronto."
    )


def test_a_new_answer_and_a_bad_one(client: Client, needs: dict[str, Any]) -> None:
    login(client, needs, "official")
    before = ResponseTemplate.objects.count()
    good = {
        "code": "gritting",
        "language": "en",
        "title": "Gritting",
        "text": "The road will be gritted tonight.",
    }
    assert client.post("/needs/templates/", good).status_code == 302
    assert ResponseTemplate.objects.count() == before + 1
    assert AuditEntry.objects.filter(action="needs.response_template_created").count() == 1
    for bad, message in [
        (good, "already exists"),  # the same code in the same language
        ({**good, "code": "salt", "text": "  "}, "This field is required."),
        ({**good, "code": "no spaces"}, "Enter a valid “slug”"),
        ({**good, "code": "salt", "language": "fr"}, "Select a valid choice."),
    ]:
        res = client.post("/needs/templates/", bad)
        assert res.status_code == 400
        assert message in res.content.decode()
    assert ResponseTemplate.objects.count() == before + 1
    page = client.get("/needs/templates/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Plantillas de respuesta" in page


def test_deleting_an_answer_keeps_what_was_published(
    client: Client, needs: dict[str, Any], submit: Callable[..., Report]
) -> None:
    report = submit()
    login(client, needs, "official")
    client.post(
        f"/needs/triage/{report.pk}/",
        {"action": "status", "status-status": "fixed", "status-template": "fixed"},
    )
    fixed = ResponseTemplate.objects.get(code="fixed", language="en")
    res = client.post(f"/needs/templates/{fixed.pk}/", {"action": "delete"})
    assert res.status_code == 302
    assert not ResponseTemplate.objects.filter(pk=fixed.pk).exists()
    assert ReportUpdate.objects.get(report=report).text == (
        "This has been fixed. Thank you for telling us."
    )
    assert AuditEntry.objects.filter(action="needs.response_template_deleted").count() == 1
    assert client.get(f"/needs/templates/{fixed.pk}/").status_code == 404
