"""Issue 11 point 8: a category's description, group and keywords in each of the city's
languages, stored in the database, edited by officials and admins, shown in the reader's
language on the pages, the REST API, Open311 and e-mails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import translation

from cocity.core.errors import DomainError
from cocity.core.models import AuditEntry
from cocity.needs import services
from cocity.needs.models import Report, ServiceCategory, Status

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-long"
HOLE_EN = "A hole in the road"
HOLE_ES = "Un agujero en la calzada"


@pytest.fixture
def pothole(needs: dict[str, Any]) -> ServiceCategory:
    """The fixture's pothole (English description "A hole in the road", group "Streets"), now
    with its Spanish texts; the fallen tree keeps English only."""
    category: ServiceCategory = needs["categories"]["pothole"]
    return services.category_update(
        category=category,
        name=category.name,
        department=category.department,
        expected_days=category.expected_days,
        description=category.description,
        group=category.group,
        keywords=category.keywords,
        names={"es": "Bache"},
        descriptions={"es": HOLE_ES},
        groups={"es": "Calles"},
        keywords_in_languages={"es": "agujero, asfalto"},
    )


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the model and the services ---------------------------------------------------------------


def test_each_text_falls_back_to_the_default_in_a_language_without_one(
    pothole: ServiceCategory, needs: dict[str, Any]
) -> None:
    tree = needs["categories"]["tree"]
    with translation.override("es"):
        assert (pothole.description_label, pothole.group_label) == (HOLE_ES, "Calles")
        assert pothole.keywords_label == "agujero, asfalto"
        assert tree.description_label == ""  # none in any language
    with translation.override("en"):
        assert (pothole.description_label, pothole.group_label) == (HOLE_EN, "Streets")
    assert pothole.all_descriptions() == {"en": HOLE_EN, "es": HOLE_ES}
    assert pothole.all_groups() == {"en": "Streets", "es": "Calles"}
    assert tree.all_descriptions() == {}
    assert pothole.all_keywords() == {"road", "hole", "agujero", "asfalto"}
    tree_es = services.category_update(
        category=tree,
        name=tree.name,
        department=tree.department,
        expected_days=3,
        description="A tree across a path",
    )
    with translation.override("es"):
        assert tree_es.description_label == "A tree across a path"  # the default


@pytest.mark.parametrize(
    ("texts", "field"),
    [
        ({"descriptions": {"fr": "Un trou"}}, "description_fr"),
        ({"descriptions": {"en": "Also English"}}, "description_en"),  # the default's language
        ({"descriptions": {"es": "x" * 2001}}, "description_es"),
        ({"groups": {"es": "x" * 81}}, "group_es"),
        ({"keywords_in_languages": {"es": "x" * 201}}, "keywords_es"),
    ],
)
def test_a_text_in_an_unknown_language_or_too_long_is_refused_and_nothing_changes(
    pothole: ServiceCategory, texts: dict[str, Any], field: str
) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        services.category_update(
            category=pothole,
            name="Changed",
            department=pothole.department,
            expected_days=1,
            **texts,
        )
    assert list(refused.value.fields) == [field]
    pothole.refresh_from_db()
    assert (pothole.name, pothole.descriptions) == ("Pothole", {"es": HOLE_ES})
    assert AuditEntry.objects.count() == before
    with pytest.raises(DomainError):
        services.category_create(code="new", name="New", department=pothole.department, **texts)
    assert not ServiceCategory.objects.filter(code="new").exists()


def test_a_blank_text_is_no_text_and_none_keeps_what_there_is(
    pothole: ServiceCategory,
) -> None:
    same = {
        "name": "Pothole",
        "department": pothole.department,
        "expected_days": 10,
        "description": HOLE_EN,
        "group": "Streets",
        "keywords": "road,hole",
    }
    kept = services.category_update(category=pothole, **same)
    assert kept.descriptions == {"es": HOLE_ES}  # None: unchanged
    entry = AuditEntry.objects.filter(action="needs.category_updated").latest("id")
    assert entry.data["changed"] == []
    cleared = services.category_update(category=pothole, descriptions={"es": "   "}, **same)
    assert cleared.descriptions == {}
    entry = AuditEntry.objects.filter(action="needs.category_updated").latest("id")
    assert entry.data["changed"] == ["descriptions"]


# --- the back-office page -----------------------------------------------------------------------


def edit_form(category: ServiceCategory, **changes: str) -> dict[str, Any]:
    form = {
        "name": category.name,
        "description": category.description,
        "group": category.group,
        "keywords": category.keywords,
        "name_es": category.names.get("es", ""),
        "description_es": category.descriptions.get("es", ""),
        "group_es": category.groups.get("es", ""),
        "keywords_es": category.keywords_in_languages.get("es", ""),
        "department": category.department_id,
        "expected_days": str(category.expected_days),
    }
    return {**form, **changes}


def test_an_official_edits_the_texts_of_each_language(
    needs: dict[str, Any], pothole: ServiceCategory
) -> None:
    client = logged_in(needs["users"]["official"])
    page = client.get(f"/needs/categories/{pothole.pk}/").content.decode()
    assert "<legend>English (the default)</legend>" in page
    assert "<legend>Spanish</legend>" in page
    assert 'name="description_es"' in page
    assert HOLE_ES in page
    form = edit_form(
        pothole,
        description="A hole or sunken patch in the road",
        description_es="Un agujero o hundimiento en la calzada",
        group_es="Vías públicas",
    )
    response = client.post(f"/needs/categories/{pothole.pk}/", form)
    assert response.status_code == 302
    pothole.refresh_from_db()
    assert pothole.description == "A hole or sunken patch in the road"
    assert pothole.descriptions == {"es": "Un agujero o hundimiento en la calzada"}
    assert pothole.groups == {"es": "Vías públicas"}
    assert pothole.names == {"es": "Bache"}
    entry = AuditEntry.objects.filter(action="needs.category_updated").latest("id")
    assert entry.actor == needs["users"]["official"]
    assert set(entry.data["changed"]) == {"description", "descriptions", "groups"}
    # the page in Spanish speaks Spanish, and the list shows the Spanish texts
    client.cookies["django_language"] = "es"
    listing = client.get("/needs/categories/").content.decode()
    assert "Un agujero o hundimiento en la calzada" in listing
    assert "Vías públicas" in listing
    page = client.get(f"/needs/categories/{pothole.pk}/").content.decode()
    assert "<legend>Inglés (predeterminado)</legend>" in page


def test_emptying_a_language_falls_back_to_the_default(
    client: Client, needs: dict[str, Any], pothole: ServiceCategory
) -> None:
    admin = logged_in(needs["users"]["admin"])
    response = admin.post(f"/needs/categories/{pothole.pk}/", edit_form(pothole, description_es=""))
    assert response.status_code == 302
    pothole.refresh_from_db()
    assert pothole.descriptions == {}
    rows = client.get("/api/needs/categories/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert {r["code"]: r["description"] for r in rows}["pothole"] == HOLE_EN


def test_a_bad_edit_shows_its_errors_beside_the_fields_and_changes_nothing(
    needs: dict[str, Any], pothole: ServiceCategory
) -> None:
    client = logged_in(needs["users"]["admin"])
    before = AuditEntry.objects.count()
    response = client.post(
        f"/needs/categories/{pothole.pk}/",
        edit_form(pothole, description_es="x" * 2001, group_es="y" * 81, name="Changed"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('aria-invalid="true"') == 2
    assert 'id="id_description_es"' in html
    assert 'id="id_group_es"' in html
    pothole.refresh_from_db()
    assert (pothole.name, pothole.descriptions) == ("Pothole", {"es": HOLE_ES})
    assert AuditEntry.objects.count() == before


# --- the Django admin ---------------------------------------------------------------------------


def test_an_admin_adds_and_edits_a_category_in_every_language_in_the_django_admin(
    client: Client, needs: dict[str, Any]
) -> None:
    admin = logged_in(needs["users"]["admin"])
    roads = needs["departments"]["roads"]
    page = admin.get("/admin/needs/servicecategory/add/").content.decode()
    assert 'name="description_es"' in page
    form = {
        "code": "graffiti",
        "department": roads.pk,
        "expected_days": "7",
        "name": "Graffiti",
        "description": "Paint on a public wall",
        "group": "",
        "keywords": "paint",
        "name_es": "Pintadas",
        "description_es": "Pintura en una pared pública",
        "group_es": "",
        "keywords_es": "pintura",
        "attributes": '[{"code": "size", "datatype": "string", "description": "How big?", '
        '"descriptions": {"es": "¿Cómo de grande?"}}]',
    }
    response = admin.post("/admin/needs/servicecategory/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    graffiti = ServiceCategory.objects.get(code="graffiti")
    assert graffiti.names == {"es": "Pintadas"}
    assert graffiti.descriptions == {"es": "Pintura en una pared pública"}
    assert graffiti.keywords_in_languages == {"es": "pintura"}
    created = AuditEntry.objects.filter(action="needs.category_created").latest("id")
    assert (created.object_id, created.actor) == (str(graffiti.pk), needs["users"]["admin"])

    change = {
        **{k: v for k, v in form.items() if k not in ("code", "attributes")},
        "description_es": "Pintura o pegatinas en una pared pública",
        "active": "on",
    }
    url = f"/admin/needs/servicecategory/{graffiti.pk}/change/"
    response = admin.post(url, change)
    assert response.status_code == 302, response.content.decode()[:3000]
    graffiti.refresh_from_db()
    assert graffiti.descriptions == {"es": "Pintura o pegatinas en una pared pública"}
    updated = AuditEntry.objects.filter(action="needs.category_updated").latest("id")
    assert updated.data["changed"] == ["descriptions"]
    # switched off from the admin: through the service too
    response = admin.post(url, {k: v for k, v in change.items() if k != "active"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="needs.category_deactivated").count() == 1
    assert admin.post(f"/admin/needs/servicecategory/{graffiti.pk}/delete/").status_code == 403
    # the attribute's Spanish description reaches Open311 clients that ask in Spanish
    services.category_set_active(category=graffiti, active=True)
    definition = client.get("/open311/v2/services/graffiti.json", HTTP_ACCEPT_LANGUAGE="es").json()
    assert definition["attributes"][0]["description"] == "¿Cómo de grande?"


def test_the_django_admin_refuses_bad_input_with_form_errors(needs: dict[str, Any]) -> None:
    admin = logged_in(needs["users"]["admin"])
    form = {
        "code": "pothole",  # taken
        "department": needs["departments"]["roads"].pk,
        "expected_days": "7",
        "name": "Hole",
        "description_es": "x" * 2001,
        "attributes": '[{"code": "size", "datatype": "colour"}]',
    }
    response = admin.post("/admin/needs/servicecategory/add/", form)
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"code", "description_es", "attributes"}
    assert ServiceCategory.objects.count() == 2


def test_the_django_admin_holds_the_default_description_to_its_limit(
    needs: dict[str, Any], pothole: ServiceCategory
) -> None:
    admin = logged_in(needs["users"]["admin"])
    page = admin.get("/admin/needs/servicecategory/add/").content.decode()
    assert 'name="description" cols="40" rows="3" maxlength="2000"' in page
    form = {
        "code": "graffiti",
        "department": needs["departments"]["roads"].pk,
        "expected_days": "7",
        "name": "Graffiti",
        "description": "x" * 2001,
    }
    response = admin.post("/admin/needs/servicecategory/add/", form)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"description"}
    assert not ServiceCategory.objects.filter(code="graffiti").exists()
    assert admin.post("/admin/needs/servicecategory/add/", {**form, "description": "x" * 2000})[
        "Location"
    ]
    assert len(ServiceCategory.objects.get(code="graffiti").description) == 2000

    url = f"/admin/needs/servicecategory/{pothole.pk}/change/"
    change = {
        "department": pothole.department_id,
        "expected_days": "7",
        "active": "on",
        "name": pothole.name,
        "description": "y" * 2001,
    }
    response = admin.post(url, change)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"description"}
    pothole.refresh_from_db()
    assert pothole.description == "A hole in the road"


def test_services_refuse_a_default_description_over_the_limit(
    needs: dict[str, Any], pothole: ServiceCategory
) -> None:
    with pytest.raises(DomainError) as caught:
        services.category_create(
            code="graffiti",
            name="Graffiti",
            department=needs["departments"]["roads"],
            description="x" * 2001,
        )
    assert set(caught.value.fields) == {"description"}
    assert not ServiceCategory.objects.filter(code="graffiti").exists()
    with pytest.raises(DomainError):
        services.category_update(
            category=pothole,
            name=pothole.name,
            department=pothole.department,
            expected_days=pothole.expected_days,
            description="x" * 2001,
        )
    pothole.refresh_from_db()
    assert pothole.description == "A hole in the road"


# --- where the texts are shown ----------------------------------------------------------------


def test_the_report_form_and_pages_describe_the_category_in_the_readers_language(
    client: Client, pothole: ServiceCategory, submit: Callable[..., Report]
) -> None:
    english = client.get("/needs/report/").content.decode()
    spanish = client.get("/needs/report/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "What each category covers" in english
    assert f"<dt>Pothole</dt><dd>{HOLE_EN}</dd>" in english
    assert "Qué cubre cada categoría" in spanish
    assert f"<dt>Bache</dt><dd>{HOLE_ES}</dd>" in spanish
    assert HOLE_EN not in spanish
    assert 'aria-describedby="id_category_helptext"' in spanish
    report = submit()
    english = client.get(f"/needs/{report.pk}/").content.decode()
    spanish = client.get(f"/needs/{report.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert HOLE_EN in english
    assert HOLE_ES not in english
    assert HOLE_ES in spanish
    assert HOLE_EN not in spanish


def test_the_triage_page_describes_the_category_in_the_officials_language(
    needs: dict[str, Any], pothole: ServiceCategory, submit: Callable[..., Report]
) -> None:
    report = submit()
    client = logged_in(needs["users"]["official"])
    client.cookies["django_language"] = "es"
    html = client.get(f"/needs/triage/{report.pk}/").content.decode()
    assert f"Sobre «Bache»: {HOLE_ES}" in html


def test_the_api_gives_the_description_in_the_requests_language_and_every_one(
    client: Client, pothole: ServiceCategory
) -> None:
    def rows(**headers: str) -> dict[str, Any]:
        return {r["code"]: r for r in client.get("/api/needs/categories/", **headers).json()}

    english, spanish = rows(), rows(HTTP_ACCEPT_LANGUAGE="es")
    assert (english["pothole"]["description"], english["pothole"]["group"]) == (HOLE_EN, "Streets")
    assert (spanish["pothole"]["description"], spanish["pothole"]["group"]) == (HOLE_ES, "Calles")
    for row in (english["pothole"], spanish["pothole"]):
        assert row["descriptions"] == {"en": HOLE_EN, "es": HOLE_ES}
        assert row["groups"] == {"en": "Streets", "es": "Calles"}
        assert row["name"] == "Pothole"
    assert spanish["fallen-tree"]["descriptions"] == {}
    assert spanish["fallen-tree"]["description"] == ""


def open311_services(client: Client, fmt: str, **headers: str) -> dict[str, dict[str, str]]:
    response = client.get(f"/open311/v2/services.{fmt}", **headers)
    assert response.status_code == 200
    if fmt == "json":
        return {s["service_code"]: s for s in response.json()}
    root = ET.fromstring(response.content)
    return {
        s.findtext("service_code") or "": {child.tag: child.text or "" for child in s}
        for s in root.iter("service")
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_services_follow_the_requests_language(
    client: Client, pothole: ServiceCategory, fmt: str
) -> None:
    english = open311_services(client, fmt)
    spanish = open311_services(client, fmt, HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert english["pothole"]["description"] == HOLE_EN
    assert (english["pothole"]["group"], english["pothole"]["keywords"]) == ("Streets", "road,hole")
    assert spanish["pothole"]["description"] == HOLE_ES
    assert (spanish["pothole"]["group"], spanish["pothole"]["keywords"]) == (
        "Calles",
        "agujero, asfalto",
    )
    assert (english["pothole"]["service_name"], spanish["pothole"]["service_name"]) == (
        "Pothole",
        "Bache",
    )
    # no description in any language: its name; no group: its department
    assert spanish["fallen-tree"]["description"] == "Fallen tree"
    assert spanish["fallen-tree"]["group"] == "Parks"


def test_open311_request_lists_name_the_service_in_the_requests_language(
    client: Client, pothole: ServiceCategory, needs: dict[str, Any]
) -> None:
    report = services.report_submit(
        category=pothole, description="A deep hole", lat=40.9652, lon=-5.6951, channel="web"
    )
    url = f"/open311/v2/requests.json?service_request_id={report.pk}"
    [english] = client.get(url).json()
    [spanish] = client.get(url, HTTP_ACCEPT_LANGUAGE="es").json()
    assert (english["service_name"], spanish["service_name"]) == ("Pothole", "Bache")


def test_open311_language_cookie_wins_over_accept_language(
    client: Client, pothole: ServiceCategory
) -> None:
    client.cookies["django_language"] = "es"
    response = client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en")
    assert {s["service_code"]: s["description"] for s in response.json()}["pothole"] == HOLE_ES
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_service_definitions_follow_the_requests_language(
    client: Client, needs: dict[str, Any], fmt: str
) -> None:
    services.category_create(
        code="bench",
        name="Broken bench",
        department=needs["departments"]["parks"],
        attributes=[
            {
                "code": "kind",
                "datatype": "singlevaluelist",
                "description": "What is broken?",
                "descriptions": {"es": "¿Qué está roto?"},
                "values": [
                    {"key": "seat", "name": "The seat", "names": {"es": "El asiento"}},
                    {"key": "leg", "name": "A leg"},  # English only
                ],
            }
        ],
    )

    def attribute(**headers: str) -> tuple[str, list[str]]:
        response = client.get(f"/open311/v2/services/bench.{fmt}", **headers)
        if fmt == "json":
            [attr] = response.json()["attributes"]
            return attr["description"], [v["name"] for v in attr["values"]]
        root = ET.fromstring(response.content)
        return (
            root.findtext("attributes/attribute/description") or "",
            [v.findtext("name") or "" for v in root.iter("value")],
        )

    assert attribute() == ("What is broken?", ["The seat", "A leg"])
    assert attribute(HTTP_ACCEPT_LANGUAGE="es") == ("¿Qué está roto?", ["El asiento", "A leg"])


def test_attribute_texts_in_unknown_languages_are_refused(needs: dict[str, Any]) -> None:
    for attribute in (
        {"code": "kind", "datatype": "string", "descriptions": {"fr": "Quoi ?"}},
        {"code": "kind", "datatype": "string", "descriptions": "¿Qué?"},
        {"code": "kind", "datatype": "singlevaluelist", "values": [{"key": "a", "names": ["A"]}]},
    ):
        with pytest.raises(DomainError) as refused:
            services.category_create(
                code="bad",
                name="Bad",
                department=needs["departments"]["parks"],
                attributes=[attribute],
            )
        assert refused.value.code == "invalid_attribute_definition"
    assert not ServiceCategory.objects.filter(code="bad").exists()


def test_the_sms_channel_knows_the_keywords_of_every_language(pothole: ServiceCategory) -> None:
    from cocity.needs.sms import match_category

    assert match_category("hay asfalto levantado cerca de la plaza") == pothole
    assert match_category("a hole near the square") == pothole


def test_followers_email_names_the_category_in_their_language(
    needs: dict[str, Any],
    pothole: ServiceCategory,
    submit: Callable[..., Report],
    django_capture_on_commit_callbacks: Any,
    mailoutbox: Any,
) -> None:
    from cocity.core.services import consent_grant, user_remember_language
    from cocity.needs.tasks import notify_followers_task

    users = needs["users"]
    report = submit(reporter=users["resident"])
    services.report_follow(report=report, user=users["moderator"])
    for person in (users["resident"], users["moderator"]):
        consent_grant(user=person, purpose="email_updates")
    user_remember_language(user=users["resident"], language="es")
    with django_capture_on_commit_callbacks(execute=False):
        update = services.report_change_status(
            report=report, status=Status.FIXED, actor=users["official"], note="Done"
        )
    assert notify_followers_task.call(update.pk) == 2
    subjects = {mail.to[0]: mail.subject for mail in mailoutbox}
    assert subjects[users["resident"].email] == f"Novedad en el aviso n.º {report.pk}: Bache"
    assert subjects[users["moderator"].email] == f"Update on report #{report.pk}: Pothole"


def test_every_demo_service_is_described_in_english_and_spanish(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cocity.core.seeders import seed_core
    from cocity.core.seeding import SeedContext
    from cocity.needs import seeders

    monkeypatch.setattr(seeders, "REPORTS", 60)
    ctx = SeedContext(log=lambda message: None)
    seed_core(ctx)
    seeders.seed_needs(ctx)
    for fmt in ("json", "xml"):
        english = open311_services(client, fmt)
        spanish = open311_services(client, fmt, HTTP_ACCEPT_LANGUAGE="es")
        assert len(english) == len(spanish) == 13
        for code, service in english.items():
            theirs = spanish[code]
            # a description of its own (not the name it falls back to), in each language
            assert service["description"]
            assert service["description"] != service["service_name"]
            assert theirs["description"]
            assert theirs["description"] != service["description"]
            assert theirs["group"] != service["group"]
            assert theirs["keywords"] != service["keywords"]


def test_a_conversation_about_a_report_names_its_category_in_the_readers_language(
    client: Client, pothole: ServiceCategory, submit: Callable[..., Report]
) -> None:
    from cocity.deliberation import services as deliberation

    report = submit()
    conversation = deliberation.conversation_create(
        actor=None, topic="What to do about the holes", need=report
    )
    page = client.get(f"/conversations/{conversation.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert f"#{report.pk} Bache</a>" in page.content.decode()
