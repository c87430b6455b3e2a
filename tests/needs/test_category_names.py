"""Category names in the city's other languages: pages, notifications, SMS and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cocity.core.errors import DomainError
from cocity.needs import services
from cocity.needs.models import Report, ServiceCategory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-long"


@pytest.fixture
def lamp(needs: dict[str, Any]) -> ServiceCategory:
    return services.category_create(
        code="streetlight",
        name="Street light out",
        names={"es": "Farola apagada"},
        department=needs["departments"]["roads"],
    )


def moved(report: Report, **fields: Any) -> Report:
    """``report`` under another category or department."""
    for name, value in fields.items():
        setattr(report, name, value)
    report.save(update_fields=list(fields))
    return report


def report_page(client: Client, report: Report) -> tuple[str, str]:
    """The public report page in English and in Spanish."""
    url = f"/needs/{report.pk}/"
    english = client.get(url).content.decode()
    return english, client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_pages_show_the_name_in_the_visitors_language(
    client: Client, lamp: ServiceCategory, submit: Callable[..., Report]
) -> None:
    report = moved(submit("pothole"), category=lamp)
    english, spanish = report_page(client, report)
    assert "Street light out" in english
    assert "Farola apagada" in spanish
    assert "Street light out" not in spanish
    form = client.get("/needs/report/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ">Farola apagada</option>" in form
    listing = client.get("/needs/?category=streetlight", HTTP_ACCEPT_LANGUAGE="es")
    assert "Farola apagada" in listing.content.decode()
    # a category without a Spanish name keeps its default name
    assert "Pothole" in client.get("/needs/report/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_the_api_lists_every_name(client: Client, lamp: ServiceCategory) -> None:
    rows = {c["code"]: c for c in client.get("/api/needs/categories/").json()}
    assert rows["streetlight"]["name"] == "Street light out"
    assert rows["streetlight"]["names"] == {"es": "Farola apagada"}


def test_followers_read_the_update_in_their_language(
    client: Client, needs: dict[str, Any], lamp: ServiceCategory, submit: Callable[..., Report]
) -> None:
    resident = needs["users"]["resident"]
    report = moved(submit("pothole", reporter=resident), category=lamp)
    services.report_change_status(
        report=report, status="fixed", actor=needs["users"]["admin"], note="Lamp replaced."
    )
    assert client.login(email=resident.email, password=PASSWORD)
    english = client.get("/notifications/").content.decode()
    spanish = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f"Report #{report.pk} (Street light out) is now: Fixed." in english
    assert "(Farola apagada)" in spanish


def test_an_sms_in_spanish_finds_the_category(client: Client, lamp: ServiceCategory) -> None:
    from cocity.needs.sms import match_category

    assert match_category("farola apagada cerca de la plaza") == lamp
    assert match_category("street light out near the square") == lamp


def test_names_need_a_known_language_and_some_text(needs: dict[str, Any]) -> None:
    roads = needs["departments"]["roads"]
    for names in ({"fr": "Lampadaire"}, {"es": "  "}, {"es": "x" * 121}):
        with pytest.raises(DomainError) as caught:
            services.category_create(code="bad", name="Bad", names=names, department=roads)
        assert caught.value.fields == {"names": ["A known language and 1–120 characters."]}
    assert not ServiceCategory.objects.filter(code="bad").exists()


def test_departments_are_named_in_the_readers_language_too(
    client: Client, needs: dict[str, Any], submit: Callable[..., Report]
) -> None:
    from cocity.core import services as core

    with pytest.raises(DomainError):
        core.department_create(code="bad", name="Bad", names={"xx": "?"})
    lights = core.department_create(
        code="lights", name="Street lighting", names={"es": "Alumbrado público"}
    )
    english, spanish = report_page(client, moved(submit("pothole"), department=lights))
    assert "Street lighting" in english
    assert "Alumbrado público" in spanish
    assert "Street lighting" not in spanish
