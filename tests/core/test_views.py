from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cocity.core.models import AuditEntry, Role, User

pytestmark = pytest.mark.django_db


def test_home_shows_city_districts_and_capabilities(client: Client, city: dict[str, Any]) -> None:
    res = client.get("/")
    html = res.content.decode()
    assert res.status_code == 200
    assert "North One" in html
    assert "South Two" in html
    assert "10,000" in html  # total residents
    assert 'href="/districts/n1/"' in html
    assert html.count("<path") == 4
    assert "Participatory budgets" in html
    assert 'href="/conversations/"' in html  # capabilities that exist are linked
    assert 'href="/budgets/"' in html
    assert "Coming to this city soon" in html  # the others say so
    assert 'class="skip-link"' in html
    assert 'id="main"' in html
    # no script but the header menu's small enhancement (the menu works without it)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/cocity/menu.js" defer>']


def test_home_is_small_and_cheap(client: Client, city: dict[str, Any]) -> None:
    client.get("/")  # warm the map cache
    with CaptureQueriesContext(connection) as queries:
        res = client.get("/")
    assert len(queries) <= 15
    assert len(res.content) < 100_000


def test_home_in_spanish(client: Client, city: dict[str, Any]) -> None:
    res = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    html = res.content.decode()
    assert '<html lang="es">' in html
    assert "Distritos" in html
    assert "Presupuestos participativos" in html


def test_language_switcher_works_without_javascript(client: Client, city: dict[str, Any]) -> None:
    res = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert res.status_code == 302
    assert "Distritos" in client.get("/").content.decode()


def test_area_page(client: Client, city: dict[str, Any]) -> None:
    res = client.get("/districts/s1/")
    assert res.status_code == 200
    assert "South One" in res.content.decode()
    assert "3,000" in res.content.decode()


def test_friendly_404(client: Client, db: None) -> None:
    res = client.get("/no/such/page/")
    assert res.status_code == 404
    assert "could not find" in res.content.decode()


def test_audit_page_lists_entries(client: Client, city: dict[str, Any]) -> None:
    res = client.get("/audit/")
    assert res.status_code == 200
    assert "area.created" in res.content.decode()


def test_audit_entries_read_as_sentences_with_their_code(
    client: Client, city: dict[str, Any]
) -> None:
    from cocity.needs import services as needs

    roads = city["departments"]["roads"]
    pothole = needs.category_create(code="pothole", name="Pothole", department=roads)
    report = needs.report_submit(category=pothole, description="Hole", lat=40.965, lon=-5.695)
    needs.report_change_status(report=report, status="in_progress", actor=city["users"]["official"])
    html = client.get("/audit/").content.decode()
    assert f"Report #{report.pk} changed from Submitted to In progress." in html
    assert f"Report #{report.pk} was filed." in html
    assert "needs.report_status_changed</code>" in html
    assert "A district was added." in html
    client.cookies["django_language"] = "es"
    html = client.get("/audit/").content.decode()
    assert f"El aviso n.º {report.pk} pasó de Recibido a En curso." in html
    assert "needs.report_status_changed</code>" in html


def test_unknown_audit_action_shows_its_code() -> None:
    from cocity.core.audit_text import audit_sentence

    assert audit_sentence("budget.voted", "3", {}) == "budget.voted"
    assert audit_sentence(
        "statement.moderated", "9", {"conversation": 2, "status": "rejected"}
    ) == ("A statement in conversation #2 was rejected.")


@pytest.mark.parametrize(("language", "expected"), [("en", "5 Dec 2026"), ("es", "5 dic 2026")])
def test_dates_are_unambiguous_in_both_languages(language: str, expected: str) -> None:
    from datetime import date

    from django.template import Context, Template
    from django.utils import translation

    template = Template('{{ d|date:"DATE_FORMAT" }}|{{ d|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language):
        assert template.render(Context({"d": date(2026, 12, 5)})) == f"{expected}|{expected}"


def test_the_language_a_person_browses_in_is_remembered(
    client: Client, city: dict[str, Any]
) -> None:
    user = city["users"][Role.RESIDENT]
    client.force_login(user)
    client.get("/")
    user.refresh_from_db()
    assert user.preferred_language == ""  # the site's language: nothing to write
    client.cookies["django_language"] = "es"
    client.get("/")
    user.refresh_from_db()
    assert user.preferred_language == "es"
    client.cookies["django_language"] = "en"
    client.get("/")
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_privacy_needs_login(client: Client, db: None) -> None:
    res = client.get("/me/privacy/")
    assert res.status_code == 302
    assert "/accounts/login/" in res["Location"]


def test_privacy_consents_export_and_delete(client: Client, city: dict[str, Any]) -> None:
    user = city["users"][Role.RESIDENT]
    client.force_login(user)
    res = client.post("/me/privacy/", {"purposes": ["email_updates", "public_name"]})
    assert res.status_code == 302
    assert set(user.consents.filter(withdrawn_at=None).values_list("purpose", flat=True)) == {
        "email_updates",
        "public_name",
    }
    client.post("/me/privacy/", {"purposes": ["public_name"]})
    assert set(user.consents.filter(withdrawn_at=None).values_list("purpose", flat=True)) == {
        "public_name"
    }
    assert "Email me updates" in client.get("/me/privacy/").content.decode()
    export = client.get("/me/data.json")
    assert export["Content-Disposition"].startswith("attachment")
    assert json.loads(export.content)["account"]["email"] == "resident@example.org"
    wrong = client.post("/me/delete/", {"confirm": "maybe"})
    assert wrong.status_code == 400
    assert "Type DELETE" in wrong.content.decode()
    User.objects.get(pk=user.pk)  # still there
    res = client.post("/me/delete/", {"confirm": "DELETE", "password": "pw-12345-long"})
    assert res.status_code == 302
    user.refresh_from_db()
    assert user.anonymised_at is not None
    assert client.get("/me/privacy/").status_code == 302  # logged out


@pytest.mark.parametrize("role", list(Role.values))
def test_admin_is_reachable_only_by_admins(client: Client, city: dict[str, Any], role: str) -> None:
    client.force_login(city["users"][role])
    res = client.get("/admin/")
    if role == Role.ADMIN:
        assert res.status_code == 200
        assert client.get("/admin/core/auditentry/").status_code == 200
        assert client.get("/admin/core/user/").status_code == 200
    else:
        assert res.status_code == 302
        assert "/admin/login/" in res["Location"]


def test_login_with_email(client: Client, city: dict[str, Any]) -> None:
    res = client.post(
        "/accounts/login/", {"login": "moderator@example.org", "password": "pw-12345-long"}
    )
    assert res.status_code == 302
    assert "Signed in as Moderator" in client.get("/").content.decode()
    client.logout()
    bad = client.post("/accounts/login/", {"login": "moderator@example.org", "password": "nope"})
    assert bad.status_code == 200
    assert "not correct" in bad.content.decode()


def test_signup_creates_a_resident(client: Client, db: None) -> None:
    res = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    assert res.status_code == 302
    assert User.objects.get(email="new@example.org").role == Role.RESIDENT


def test_domain_error_in_html_post_becomes_a_message(client: Client, city: dict[str, Any]) -> None:
    from django.urls import path

    from cocity.core.errors import DomainError

    def boom(request: Any) -> Any:
        raise DomainError("Nope, not like that.")

    from cocity import urls

    urls.urlpatterns.insert(0, path("boom/", boom))
    try:
        from django.urls import clear_url_caches

        clear_url_caches()
        res = client.get("/boom/")
        assert res.status_code == 400
        assert "Nope, not like that." in res.content.decode()
        res = client.post("/boom/", HTTP_REFERER="http://testserver/audit/")
        assert res.status_code == 302
        assert "Nope, not like that." in client.get("/audit/").content.decode()
    finally:
        urls.urlpatterns.pop(0)
        clear_url_caches()
    assert AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("handler", "status", "text"),
    [
        ("error_400", 400, "could not understand"),
        ("error_403", 403, "not open to you"),
        ("error_404", 404, "could not find"),
    ],
)
def test_friendly_error_pages(rf: Any, db: None, handler: str, status: int, text: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    from cocity.core import views

    request = rf.get("/x/")
    request.user = AnonymousUser()
    res = getattr(views, handler)(request, Exception("x"))
    assert res.status_code == status
    assert text in res.content.decode()
    assert 'id="main"' in res.content.decode()


def test_server_error_page_needs_nothing_but_itself(rf: Any) -> None:
    from cocity.core import views

    res = views.error_500(rf.get("/x/"))
    assert res.status_code == 500
    html = res.content.decode()
    assert "Something went wrong" in html
    assert "Algo ha fallado" in html


def test_unmatched_addresses_answer_in_their_protocols_error_format(client: Any, db: None) -> None:
    from xml.etree import ElementTree as ET

    res = client.get("/open311/v2/nothing.json")
    assert res.status_code == 404
    assert res["Content-Type"].startswith("application/json")
    assert res.json() == [{"code": 404, "description": "There is nothing at this address."}]

    res = client.get("/open311/v2/requests/1/more.xml")
    assert res.status_code == 404
    assert res["Content-Type"].startswith("text/xml")
    root = ET.fromstring(res.content)
    assert root.tag == "errors"
    assert [e.findtext("code") for e in root] == ["404"]

    for path in ("/ngsi-ld/v1/unknown", "/ngsi-ld/v1/entities/a/b/c"):
        res = client.get(path)
        assert res.status_code == 404
        assert res["Content-Type"] == "application/json"
        problem = res.json()
        assert problem["type"] == "https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound"
        assert problem["status"] == 404

    res = client.get("/api/unknown/")
    assert res.status_code == 404
    assert res["Content-Type"] == "application/problem+json"
    assert res.json()["code"] == "not_found"

    # elsewhere the HTML page stays
    res = client.get("/no-such-page/")
    assert res.status_code == 404
    assert res["Content-Type"].startswith("text/html")


def test_a_crash_under_open311_stays_a_500_in_its_error_array(rf: Any) -> None:
    from cocity.core import views

    res = views.error_500(rf.get("/open311/v2/requests.xml"))
    assert res.status_code == 500
    assert b"<code>500</code>" in res.content
