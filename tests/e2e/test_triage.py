"""Triage that helps officials and fairness in small things, in a real browser: an official
merges a suggested duplicate and both reports show it; lists are cards on a 360 px phone; a
resident is not offered a "me too" on their own report; a moderator rejects with a reason and
the author reads it. axe-core runs on every page visited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.e2e.test_needs import PASSWORD, open_menu, t

pytestmark = pytest.mark.django_db(transaction=True)

NARROW = {"width": 360, "height": 780}
WIDE = {"width": 1280, "height": 900}
LOCALE = {"en": "en-GB", "es": "es-ES"}
#: an unambiguous date: "5 Dec 2026" / "5 dic 2026"
DATE = {
    "en": re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b"),
    "es": re.compile(r"\b\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic) \d{4}\b"),
}
NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")


def sign_in(page: Any, base: str, email: str, language: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label(t(language, "Email")).fill(email)
    page.get_by_label(t(language, "Password")).fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/")


def sign_out(page: Any, language: str) -> None:
    open_menu(page)
    page.get_by_role("button", name=t(language, "Sign out")).click()


def visit(page: Any, url: str, axe: Any, shot: Any, name: str) -> str:
    page.goto(url)
    axe(page)
    shot(page, name)
    return str(page.inner_text("main"))


@pytest.fixture
def reports(city: dict[str, Any]) -> dict[str, Any]:
    from cocity.needs import services

    pothole = services.category_create(
        code="pothole",
        name="Pothole",
        names={"es": "Bache"},
        department=city["departments"]["roads"],
    )
    users = city["users"]
    original = services.report_submit(
        category=pothole,
        description="Hole by the bakery",
        lat=40.9652,
        lon=-5.6951,
        address="Calle Mayor 12",
        reporter=users["moderator"],
    )
    duplicate = services.report_submit(
        category=pothole,
        description="Big hole near the bakery",
        lat=40.9660,
        lon=-5.6951,
        reporter=users["resident"],
    )
    services.report_support(report=duplicate, user=users["organisation_member"])
    return {"original": original, "duplicate": duplicate}


@pytest.mark.parametrize("language", ["en", "es"])
def test_official_merges_a_suggested_duplicate_and_both_reports_show_it(
    live_server: Any,
    city: dict[str, Any],
    reports: dict[str, Any],
    browser: Any,
    axe: Any,
    shot: Any,
    language: str,
) -> None:
    original, duplicate = reports["original"], reports["duplicate"]
    base = live_server.url
    suffix = "" if language == "en" else "-es"
    context = browser.new_context(viewport=WIDE, locale=LOCALE[language])
    page = context.new_page()
    sign_in(page, base, city["users"]["official"].email, language)
    text = visit(page, f"{base}/needs/triage/{original.pk}/", axe, shot, "triage-1-report" + suffix)
    assert "Calle Mayor 12" in text
    assert "40.96520, -5.69510" in text  # coordinates with a decimal point in every language
    assert page.locator("figure.place-small-map svg").is_visible()
    assert DATE[language].search(text)
    assert not NUMERIC_DATE.search(text)
    page.get_by_role(
        "button", name=t(language, "Merge #%(number)s into this one", number=duplicate.pk)
    ).click()
    page.get_by_text(
        t(language, "Report #%(duplicate)s is merged into this one.", duplicate=duplicate.pk)
    ).wait_for()
    axe(page)
    shot(page, "triage-2-merged" + suffix)
    text = visit(page, f"{base}/needs/{original.pk}/", axe, shot, "triage-3-original" + suffix)
    merged = t(
        language,
        "%(counter)s report was merged into this one:",
        "%(counter)s reports were merged into this one:",
        n=1,
        counter=1,
    )
    assert merged in text
    assert page.get_by_role("link", name=f"#{duplicate.pk}").count() >= 1
    text = visit(page, f"{base}/needs/{duplicate.pk}/", axe, shot, "triage-4-duplicate" + suffix)
    assert (
        t(
            language,
            "This report was merged into report #%(number)s, where its supporters count "
            "and its answer comes.",
            number=original.pk,
        )
        in text
    )
    page.get_by_role(
        "link", name=t(language, "Go to report #%(number)s", number=original.pk)
    ).click()
    page.wait_for_url(f"{base}/needs/{original.pk}/")
    original.refresh_from_db()
    assert original.support_count == 1
    context.close()


def test_lists_are_cards_on_a_360_px_phone(
    live_server: Any,
    city: dict[str, Any],
    reports: dict[str, Any],
    browser: Any,
    axe: Any,
    shot: Any,
) -> None:
    base = live_server.url
    for language in ("en", "es"):
        context = browser.new_context(viewport=NARROW, locale=LOCALE[language])
        page = context.new_page()
        sign_in(page, base, city["users"]["official"].email, language)
        for name, path in (
            ("reports", "/needs/"),
            ("queue", "/needs/triage/"),
            ("audit", "/audit/"),
        ):
            text = visit(page, base + path, axe, shot, f"triage-phone-{name}-{language}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
            assert not NUMERIC_DATE.search(text), path
            if path != "/audit/":
                assert DATE[language].search(text), path
        # the public record speaks in sentences, the raw event code beside them
        assert t(language, "Report #%(id)s was filed.", id=reports["original"].pk) in text
        assert "needs.report_submitted" in text
        context.close()


def test_resident_is_not_offered_me_too_on_own_report(
    live_server: Any, city: dict[str, Any], reports: dict[str, Any], page: Any, axe: Any, shot: Any
) -> None:
    base = live_server.url
    sign_in(page, base, city["users"]["resident"].email, "en")
    own = reports["duplicate"]
    text = visit(page, f"{base}/needs/{own.pk}/", axe, shot, "triage-own-report")
    assert "This is your report: it already counts as yours." in text
    assert page.get_by_role("button", name="Me too: support this report").count() == 0
    text = visit(page, f"{base}/needs/{reports['original'].pk}/", axe, shot, "triage-other-report")
    assert page.get_by_role("button", name="Me too: support this report").count() == 1


def test_moderator_rejects_with_a_reason_and_the_author_reads_it(
    live_server: Any, city: dict[str, Any], browser: Any, axe: Any, shot: Any
) -> None:
    from cocity.deliberation import services
    from cocity.deliberation.models import Statement

    users = city["users"]
    conversation = services.conversation_create(
        actor=users["official"], topic="Where should benches go?", seed_statements=["By the river."]
    )
    services.statement_submit(
        conversation=conversation, body="Benches are stupid", user=users["resident"]
    )
    base = live_server.url
    context = browser.new_context(viewport=NARROW, locale="es-ES")
    page = context.new_page()
    sign_in(page, base, users["moderator"].email, "es")
    text = visit(
        page,
        f"{base}/conversations/{conversation.pk}/moderate/",
        axe,
        shot,
        "moderation-1-queue-es",
    )
    assert users["resident"].public_name in text
    assert DATE["es"].search(text)
    reject = t("es", "Reject with this reason")
    page.get_by_role("button", name=reject).click()
    page.get_by_text(
        t("es", "Give a reason for the rejection: its author will read it.")
    ).wait_for()
    axe(page)
    page.get_by_label(t("es", "Reason for a rejection (its author reads it)")).fill(
        "Sin insultos, por favor."
    )
    page.get_by_role("button", name=reject).click()
    page.get_by_text(t("es", "Decision saved.")).wait_for()
    shot(page, "moderation-2-decided-es")
    assert Statement.objects.get(body="Benches are stupid").status == Statement.Status.REJECTED
    sign_out(page, "es")
    sign_in(page, base, users["resident"].email, "es")
    text = visit(page, f"{base}/notifications/", axe, shot, "moderation-3-author-told-es")
    assert "Sin insultos, por favor." in text
    assert "no se aceptó" in text
    context.close()
