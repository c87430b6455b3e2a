"""Issue 19 point 7: e-mails that work outside the site. Links are absolute
(``COCITY_BASE_URL``); an Open311 ``email`` gets updates only when the client app asks its users'
consent (its key's ``email_consent``); the report page explains the consent behind e-mails."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from cocity.core.checks import check_base_url
from cocity.core.services import consent_grant
from cocity.needs import services
from cocity.needs.models import Open311Key, Report, Status
from cocity.needs.tasks import notify_followers_task

pytestmark = pytest.mark.django_db


def _file(client: Client, form: dict[str, str], *, language: str = "", **extra: str) -> Report:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.post("/open311/v2/requests.json", {**form, **extra}, **headers)
    assert response.status_code in (200, 201), response.content
    return Report.objects.get(pk=int(response.json()[0]["service_request_id"]))


def test_update_e_mails_carry_absolute_links(
    needs: dict[str, Any], submit: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.COCITY_BASE_URL = "https://participa.example.org"
    users = needs["users"]
    report = submit(reporter=users["resident"])
    consent_grant(user=users["resident"], purpose="email_updates")
    update = services.report_change_status(
        report=report, status=Status.SCHEDULED, actor=users["official"]
    )
    assert notify_followers_task.call(update.pk) == 1
    assert f"https://participa.example.org/needs/{report.pk}/" in mailoutbox[0].body


def test_open311_email_gets_updates_only_from_an_app_that_asks_consent(
    client: Client,
    needs: dict[str, Any],
    open311_form: dict[str, str],
    mailoutbox: Any,
    capsys: Any,
) -> None:
    official = needs["users"]["admin"]  # the fallen tree is the parks department's
    # the fixture's key was issued without --email-consent: the address is kept, not written to
    silent = _file(client, open311_form, email="ana@example.org")
    assert silent.contact_email == "ana@example.org"
    update = services.report_change_status(report=silent, status=Status.IN_PROGRESS, actor=official)
    assert notify_followers_task.call(update.pk) == 0

    call_command("open311", "create-key", "consenting app", "--email-consent")
    key = capsys.readouterr().out.strip()
    assert Open311Key.objects.get(name="consenting app").email_consent
    form = {**open311_form, "api_key": key}
    heard = _file(client, form, email="luis@example.org")
    no_email = _file(client, form)
    update = services.report_change_status(report=heard, status=Status.IN_PROGRESS, actor=official)
    assert notify_followers_task.call(update.pk) == 1
    [mail] = mailoutbox
    assert mail.to == ["luis@example.org"]
    assert "New status: In progress" in mail.body
    update = services.report_change_status(
        report=no_email, status=Status.IN_PROGRESS, actor=official
    )
    assert notify_followers_task.call(update.pk) == 0


def test_open311_email_gets_updates_in_the_language_it_reported_in(
    client: Client,
    needs: dict[str, Any],
    open311_form: dict[str, str],
    mailoutbox: Any,
    capsys: Any,
) -> None:
    official = needs["users"]["admin"]
    call_command("open311", "create-key", "consenting app", "--email-consent")
    form = {**open311_form, "api_key": capsys.readouterr().out.strip()}
    by_header = _file(client, form, email="eva@example.org", language="es-ES,es;q=0.9")
    by_locale = _file(client, {**form, "locale": "es_ES"}, email="ines@example.org")
    # the parameter wins over the header; a language the site does not offer is the site's
    both = _file(client, {**form, "locale": "en"}, email="tom@example.org", language="es")
    unknown = _file(client, {**form, "locale": "fi"}, email="aino@example.org")
    plain = _file(client, form, email="joe@example.org")
    assert [r.contact_language for r in (by_header, by_locale, both, unknown, plain)] == [
        "es",
        "es",
        "en",
        "",
        "",
    ]
    # no address, no language kept
    assert _file(client, form, language="es").contact_language == ""

    for report in (by_header, by_locale, both, unknown, plain):
        update = services.report_change_status(
            report=report, status=Status.IN_PROGRESS, actor=official
        )
        assert notify_followers_task.call(update.pk) == 1
    mails = {mail.to[0]: mail for mail in mailoutbox}
    for spanish in ("eva@example.org", "ines@example.org"):
        assert "Nuevo estado: En curso" in mails[spanish].body
        assert mails[spanish].subject.startswith("Novedad en el aviso")
    for english in ("tom@example.org", "aino@example.org", "joe@example.org"):
        assert "New status: In progress" in mails[english].body


def test_the_report_page_explains_the_e_mail_consent(
    client: Client, needs: dict[str, Any], submit: Any
) -> None:
    resident = needs["users"]["resident"]
    report = submit()
    client.force_login(resident)
    html = client.get(f"/needs/{report.pk}/").content.decode()
    assert "only if you allow “Email me updates on what I follow”" in html
    assert 'aria-describedby="follow-email"' in html
    assert 'href="/me/privacy/"' in html
    consent_grant(user=resident, purpose="email_updates")
    html = client.get(f"/needs/{report.pk}/").content.decode()
    assert "You allowed e-mail updates" in html
    client.cookies["django_language"] = "es"
    html = client.get(f"/needs/{report.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Permitiste las actualizaciones por correo" in html


def test_production_without_a_base_url_is_warned(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.COCITY_BASE_URL = ""
    assert [m.id for m in check_base_url()] == ["cocity.W010"]
    settings.COCITY_BASE_URL = "https://participa.example.org"
    assert check_base_url() == []


def test_the_keys_page_issues_a_key_whose_app_asks_consent(
    client: Client, needs: dict[str, Any]
) -> None:
    client.force_login(needs["users"]["admin"])
    html = client.get("/needs/open311-keys/").content.decode()
    assert "The app asks its users&#x27; consent to e-mail updates" in html
    client.post("/needs/open311-keys/", {"name": "Consenting app", "email_consent": "on"})
    client.post("/needs/open311-keys/", {"name": "Plain app"})
    assert Open311Key.objects.get(name="Consenting app").email_consent
    assert not Open311Key.objects.get(name="Plain app").email_consent
    html = client.get("/needs/open311-keys/").content.decode()
    assert "Yes, with the user's consent" in html
