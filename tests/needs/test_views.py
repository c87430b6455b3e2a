from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cocity.core.models import AuditEntry
from cocity.needs import services
from cocity.needs.models import Report, ReportUpdate, Status

pytestmark = pytest.mark.django_db

Submit = Callable[..., Report]
PASSWORD = "pw-12345-long"


def login(client: Client, needs: dict[str, Any], role: str) -> Client:
    assert client.login(email=needs["users"][role].email, password=PASSWORD)
    return client


def form_data(needs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {
        "category": needs["categories"]["tree"].pk,
        "district": "",
        "lat": "40.965",
        "lon": "-5.695",
        "address": "Parque Norte",
        "description": "A big branch blocks the path",
        "form_token": "tok-1",
    }
    data.update(changes)
    return data


def test_report_form_is_accessible_without_javascript(
    client: Client, needs: dict[str, Any]
) -> None:
    res = client.get("/needs/report/")
    html = res.content.decode()
    assert res.status_code == 200
    # scripts only enhance (the map picker, tests/needs/test_map.py): deferred, none inline
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/cocity/menu.js" defer>',  # the header menu's Escape key
        '<script src="/static/leaflet/leaflet.js" defer>',
        '<script src="/static/needs/map.js" defer>',
        '<script id="place-map-config" type="application/json">',
    ]
    for name in ("category", "district", "lat", "lon", "address", "description"):
        assert f'<label for="id_{name}"' in html
    assert "Fallen tree" in html
    assert "North One" in html
    assert 'name="form_token"' in html
    assert 'name="anonymous"' not in html  # only signed-in people choose anonymity


def test_anonymous_resident_reports_and_gets_a_tracking_link(
    client: Client, needs: dict[str, Any]
) -> None:
    res = client.post("/needs/report/", form_data(needs))
    assert res.status_code == 302
    report = Report.objects.get()
    assert res["Location"] == f"/needs/submitted/{report.tracking_token}/"
    assert report.anonymous
    assert report.reporter is None
    assert report.area == needs["areas"]["n1"]
    page = client.get(res["Location"]).content.decode()
    assert f"http://testserver/needs/track/{report.tracking_token}/" in page
    assert f"Report #{report.pk} has gone to Parks." in page
    tracked = client.get(f"/needs/track/{report.tracking_token}/").content.decode()
    assert "private tracking link" in tracked
    assert "A big branch blocks the path" in tracked
    # the same form sent again files nothing new
    again = client.post("/needs/report/", form_data(needs))
    assert again["Location"] == res["Location"]
    assert Report.objects.count() == 1
    assert client.get("/needs/submitted/nope/").status_code == 404
    assert client.get("/needs/track/nope/").status_code == 404


def test_district_choice_places_the_report(client: Client, needs: dict[str, Any]) -> None:
    login(client, needs, "resident")
    data = form_data(needs, district=needs["areas"]["s2"].pk, lat="", lon="", anonymous="on")
    res = client.post("/needs/report/", data)
    assert res.status_code == 302
    report = Report.objects.get()
    assert report.area == needs["areas"]["s2"]
    assert report.reporter == needs["users"]["resident"]
    assert report.anonymous


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lat": "", "lon": ""}, "Say where: choose a district or give coordinates."),
        ({"lon": ""}, "Give both latitude and longitude, or neither."),
        ({"lat": "41.5", "lon": "-5.0"}, "This place is outside the city."),
        ({"description": ""}, "This field is required."),
    ],
)
def test_report_form_errors_are_clear(
    client: Client, needs: dict[str, Any], changes: dict[str, str], message: str
) -> None:
    res = client.post("/needs/report/", form_data(needs, **changes))
    assert res.status_code == 400
    assert message in res.content.decode()
    assert Report.objects.count() == 0


def test_nearby_reports_are_offered_before_saving(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    existing = submit("tree", where=(40.9655, -5.695), description="Branch down near the swings")
    submit("tree", where=(40.9690, -5.695))  # ~440 m: not offered
    login(client, needs, "moderator")
    res = client.post("/needs/report/", form_data(needs))
    html = res.content.decode()
    assert res.status_code == 200
    assert "Is it one of these?" in html
    assert "Branch down near the swings" in html
    assert html.count('class="card"') == 1
    assert "56 m away" in html
    assert f'action="/needs/{existing.pk}/support/"' in html
    assert Report.objects.count() == 2  # nothing filed yet
    # "Support it instead"
    res = client.post(f"/needs/{existing.pk}/support/")
    assert res["Location"] == f"/needs/{existing.pk}/"
    existing.refresh_from_db()
    assert existing.support_count == 1
    # or "No, file my report": the hidden fields carry the first step
    confirm = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    res = client.post("/needs/report/", dict(confirm))
    assert res.status_code == 302
    assert Report.objects.count() == 3


def test_public_list_filters_and_is_cheap(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    pothole = submit(where=needs["points"]["n1"], description="Hole one")
    tree = submit("tree", where=needs["points"]["s1"], description="Tree two")
    services.report_change_status(report=tree, status=Status.FIXED, actor=needs["users"]["admin"])
    for _ in range(3):
        submit(where=needs["points"]["n2"], description="Filler")
    with CaptureQueriesContext(connection) as queries:
        res = client.get("/needs/")
    assert res.status_code == 200
    assert len(queries) <= 8
    html = res.content.decode()
    assert "5 reports" in html
    assert "Hole one" in html
    assert "Tree two" in html
    html = client.get("/needs/", {"category": "fallen-tree"}).content.decode()
    assert "Tree two" in html
    assert "Hole one" not in html
    html = client.get("/needs/", {"district": "n1"}).content.decode()
    assert "Hole one" in html
    assert "Tree two" not in html
    html = client.get("/needs/", {"status": "closed"}).content.decode()
    assert "1 report" in html
    assert "Tree two" in html
    html = client.get("/needs/", {"status": "bogus"}).content.decode()
    assert "5 reports" in html
    assert pothole.pk


def test_list_pages(
    client: Client, needs: dict[str, Any], submit: Submit, monkeypatch: Any
) -> None:
    from cocity.needs import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(5):
        submit(description=f"Number {i}")
    html = client.get("/needs/", {"page": 2, "district": "n1"}).content.decode()
    assert "Page 2 of 3" in html
    assert "district=n1&amp;page=3" in html
    assert "district=n1&amp;page=1" in html


def test_report_page_shows_public_timeline_only(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    official = needs["users"]["official"]
    report = submit(reporter=needs["users"]["resident"])
    services.report_change_status(
        report=report, status=Status.SCHEDULED, actor=official, note="Crew booked for Monday"
    )
    services.report_add_note(report=report, actor=official, text="Ask the contractor", public=False)
    html = client.get(f"/needs/{report.pk}/").content.decode()
    assert "Status changed to Scheduled" in html
    assert "Crew booked for Monday" in html
    assert "Ask the contractor" not in html
    assert "Reported by Resident (Web)" in html
    assert "Sign in to support" in html
    assert report.tracking_token not in html
    login(client, needs, "official")
    html = client.get(f"/needs/{report.pk}/").content.decode()
    assert "Ask the contractor" in html
    assert "Answer this report" in html
    assert client.get("/needs/999999/").status_code == 404


def test_follow_and_unfollow(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    report = submit()
    login(client, needs, "moderator")
    assert "Follow updates" in client.get(f"/needs/{report.pk}/").content.decode()
    client.post(f"/needs/{report.pk}/follow/")
    assert "Unfollow" in client.get(f"/needs/{report.pk}/").content.decode()
    client.post(f"/needs/{report.pk}/follow/", {"follow": "0"})
    assert "Follow updates" in client.get(f"/needs/{report.pk}/").content.decode()
    client.post(f"/needs/{report.pk}/support/")
    res = client.post(f"/needs/{report.pk}/support/", follow=True)
    assert "You already support this report." in res.content.decode()


def test_support_requires_sign_in(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    report = submit()
    res = client.post(f"/needs/{report.pk}/support/")
    assert res.status_code == 302
    assert "/accounts/login/" in res["Location"]
    assert Report.objects.get().support_count == 0


def test_triage_queue_permissions(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    road = submit(description="Road thing")
    tree = submit("tree", description="Tree thing")
    assert client.get("/needs/triage/").status_code == 302  # sign in first
    login(client, needs, "resident")
    assert client.get("/needs/triage/").status_code == 403
    assert client.get(f"/needs/triage/{road.pk}/").status_code == 403
    client.logout()
    login(client, needs, "official")
    html = client.get("/needs/triage/").content.decode()
    assert "Road thing" not in html  # the list shows categories, not descriptions
    assert f"/needs/triage/{road.pk}/" in html
    assert f"/needs/triage/{tree.pk}/" not in html
    assert client.get(f"/needs/triage/{tree.pk}/").status_code == 403
    client.logout()
    login(client, needs, "admin")
    html = client.get("/needs/triage/", {"district": "n1"}).content.decode()
    assert f"/needs/triage/{road.pk}/" in html
    assert f"/needs/triage/{tree.pk}/" in html


def test_official_answers_in_public(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    report = submit()
    login(client, needs, "official")
    res = client.post(
        f"/needs/triage/{report.pk}/",
        {"action": "status", "status-status": "fixed", "status-note": "Filled this morning"},
    )
    assert res.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.FIXED
    client.post(f"/needs/triage/{report.pk}/", {"action": "note", "note-text": "Used 2 bags"})
    assert ReportUpdate.objects.filter(public=False, text="Used 2 bags").exists()
    html = client.get(f"/needs/triage/{report.pk}/").content.decode()
    assert "Used 2 bags" in html
    assert "Filled this morning" in html
    client.logout()
    public = client.get(f"/needs/{report.pk}/").content.decode()
    assert "Filled this morning" in public
    assert "Used 2 bags" not in public
    assert AuditEntry.objects.filter(action="needs.report_status_changed").count() == 1


def test_triage_errors_and_duplicates(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    first, second = submit(), submit()
    login(client, needs, "official")
    url = f"/needs/triage/{second.pk}/"
    res = client.post(
        url,
        {"action": "status", "status-status": "duplicate", "status-duplicate_of": "999999"},
        HTTP_REFERER=f"http://testserver{url}",
    )
    assert res.status_code == 302
    assert "There is no report with that number." in client.get(url).content.decode()
    client.post(
        url,
        {"action": "status", "status-status": "duplicate", "status-duplicate_of": str(first.pk)},
    )
    second.refresh_from_db()
    assert second.duplicate_of == first
    res = client.post(url, {"action": "status", "status-status": "weird"})
    assert res.status_code == 200
    assert "Select a valid choice" in res.content.decode()
    res = client.post(url, {"action": "note", "note-text": ""})
    assert res.status_code == 200


def test_reassign_and_priority_from_triage(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    report = submit()
    login(client, needs, "official")
    url = f"/needs/triage/{report.pk}/"
    roads, parks = needs["departments"]["roads"], needs["departments"]["parks"]
    res = client.post(
        url, {"action": "assign", "assign-department": roads.pk, "assign-priority": "3"}
    )
    assert res["Location"] == url
    res = client.post(
        url, {"action": "assign", "assign-department": parks.pk, "assign-priority": "3"}
    )
    assert res["Location"] == "/needs/triage/"  # no longer theirs
    report.refresh_from_db()
    assert report.priority == 3
    assert report.department == parks


def test_pages_in_spanish(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    report = submit()
    html = client.get(f"/needs/{report.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in html
    html = client.get("/needs/report/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Informar de un problema" in html


def test_answer_from_a_response_template(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    report = submit()
    login(client, needs, "official")
    url = f"/needs/triage/{report.pk}/"
    assert "A crew has been assigned" in client.get(url).content.decode()  # offered
    client.post(
        url, {"action": "status", "status-status": "in_progress", "status-template": "crew"}
    )
    client.post(
        url,
        {
            "action": "status",
            "status-status": "fixed",
            "status-template": "fixed",
            "status-note": "Done with new asphalt.",  # a written note wins over the template
        },
    )
    texts = list(ReportUpdate.objects.filter(report=report).values_list("text", flat=True))
    assert texts == ["A crew has been assigned and will visit soon.", "Done with new asphalt."]


def test_triage_queue_is_cheap(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    for _ in range(12):
        submit(reporter=needs["users"]["resident"])
    login(client, needs, "official")
    client.get("/needs/triage/")
    with CaptureQueriesContext(connection) as queries:
        res = client.get("/needs/triage/")
    assert res.content.decode().count("/needs/triage/") >= 12
    assert len(queries) <= 11  # constant: no query per row (one reads the answer templates)


def test_bulk_status_change(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    first, second = submit(), submit()
    tree = submit("tree")  # another department's: not the official's to change
    login(client, needs, "official")
    html = client.get("/needs/triage/").content.decode()
    assert f'aria-label="Select report #{first.pk}"' in html
    res = client.post(
        "/needs/triage/",
        {"reports": [first.pk, second.pk], "status": "acknowledged", "template": "received"},
        follow=True,
    )
    assert "2 reports changed." in res.content.decode()
    for report in (first, second):
        report.refresh_from_db()
        assert report.status == Status.ACKNOWLEDGED
        assert report.updates.get().text.startswith("Thank you for your report.")
    # all or nothing: one report out of the official's hands refuses the whole batch
    res = client.post(
        "/needs/triage/",
        {"reports": [first.pk, tree.pk], "status": "fixed"},
        HTTP_REFERER="http://testserver/needs/triage/",
    )
    first.refresh_from_db()
    assert first.status == Status.ACKNOWLEDGED
    assert Report.objects.get(pk=tree.pk).status == Status.SUBMITTED
    res = client.post("/needs/triage/", {"status": "fixed"}, follow=True)
    assert "Select at least one report and a status." in res.content.decode()


def test_reporter_is_not_offered_me_too(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    report = submit(reporter=needs["users"]["resident"])
    login(client, needs, "resident")
    html = client.get(f"/needs/{report.pk}/").content.decode()
    assert "Me too: support this report" not in html
    assert "This is your report: it already counts as yours." in html
    res = client.post(f"/needs/{report.pk}/support/", follow=True)
    assert "This is your own report" in res.content.decode()
    assert Report.objects.get().support_count == 0
    client.logout()
    login(client, needs, "moderator")
    assert "Me too: support this report" in client.get(f"/needs/{report.pk}/").content.decode()


def _ids_and_options(html: str) -> tuple[list[str], list[list[str]]]:
    """Every element id of a page, and the option texts of each <select>."""
    from html.parser import HTMLParser

    ids: list[str] = []
    selects: list[list[str]] = []

    class Parser(HTMLParser):
        option = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if found.get("id"):
                ids.append(str(found["id"]))
            if tag == "select":
                selects.append([])
            self.option = tag == "option"
            if self.option:
                selects[-1].append("")

        def handle_data(self, data: str) -> None:
            if self.option:
                selects[-1][-1] += data.strip()

        def handle_endtag(self, tag: str) -> None:
            if tag == "option":
                self.option = False

    Parser().feed(html)
    return ids, selects


@pytest.mark.parametrize("language", ["en", "es"])
def test_triage_pages_have_unique_ids_and_options(
    client: Client, needs: dict[str, Any], submit: Submit, language: str
) -> None:
    first = submit(address="Calle Mayor 1")
    submit(where=(40.9655, -5.695))
    login(client, needs, "admin")
    client.cookies["django_language"] = language
    for url in ("/needs/triage/", f"/needs/triage/{first.pk}/", "/needs/", f"/needs/{first.pk}/"):
        html = client.get(url).content.decode()
        ids, selects = _ids_and_options(html)
        assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1))
        for options in selects:
            assert len(options) == len(set(options)), (url, options)
        if url == "/needs/triage/":
            assert len(selects) == 6  # language; category, district, status; bulk status, template


def test_triage_report_shows_where_and_merges_a_suggested_duplicate(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    users = needs["users"]
    original = submit(address="Calle Mayor 1", reporter=users["moderator"])
    near = submit(where=(40.966, -5.695), reporter=users["resident"])  # ~110 m north
    submit(where=(40.955, -5.695))  # ~1.1 km: too far to suggest
    other = submit("tree", where=(40.965, -5.695))  # same place, another category
    services.report_support(report=near, user=users["organisation_member"])
    login(client, needs, "admin")
    html = client.get(f"/needs/triage/{original.pk}/").content.decode()
    assert "Calle Mayor 1" in html
    assert "40.96500, -5.69500" in html
    assert 'class="place-small-map"' in html  # the places partial: the point on a small map
    assert f"Merge #{near.pk} into this one" in html
    assert html.count("into this one</button>") == 1  # not the far one, not the tree
    assert f"Merge #{other.pk}" not in html
    res = client.post(
        f"/needs/triage/{original.pk}/", {"action": "merge", "duplicate": near.pk}, follow=True
    )
    page = res.content.decode()
    assert f"Report #{near.pk} is merged into this one." in page
    assert "1 report was merged into this one:" in page
    near.refresh_from_db()
    original.refresh_from_db()
    assert near.status == Status.DUPLICATE
    assert near.duplicate_of == original
    assert original.support_count == 1  # the supporter moved
    assert original.follows.filter(user=users["resident"]).exists()
    # both public pages show the merge, with links
    public = client.get(f"/needs/{original.pk}/").content.decode()
    assert "1 report was merged into this one:" in public
    assert f'href="/needs/{near.pk}/"' in public
    public = client.get(f"/needs/{near.pk}/").content.decode()
    assert f"This report was merged into report #{original.pk}" in public
    assert f'href="/needs/{original.pk}/"' in public
    client.cookies["django_language"] = "es"
    assert "Este aviso se fusionó" in client.get(f"/needs/{near.pk}/").content.decode()


def test_bulk_action_keeps_the_filters(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    first, second = submit(), submit(where=needs["points"]["s1"])
    login(client, needs, "admin")
    html = client.get("/needs/triage/", {"district": "n1", "status": "open"}).content.decode()
    assert 'action="/needs/triage/?district=n1&amp;status=open"' in html
    assert f"/needs/triage/{second.pk}/" not in html
    res = client.post(
        "/needs/triage/?district=n1&status=open",
        {"reports": [first.pk], "status": "acknowledged"},
    )
    assert res.status_code == 302
    assert res["Location"] == "/needs/triage/?district=n1&status=open"
    res = client.post("/needs/triage/?district=n1", {"status": "fixed"})
    assert res["Location"] == "/needs/triage/?district=n1"
