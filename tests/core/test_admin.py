"""Issue 19 point 6: every change made in the Django admin is audited. Saves of accounts,
departments, organisations and areas go through the services; every other admin page is
read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client

from cocity.core.models import AuditEntry, Department, Organisation, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(city: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(city["users"]["admin"])
    return client


def last_entry(action: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action=action).order_by("-id").first()
    assert entry is not None, f"no audit entry {action}"
    return entry


def test_a_department_added_and_edited_in_the_admin_is_audited(
    staff: Client, city: dict[str, Any]
) -> None:
    form = {"code": "water", "name": "Water", "names": '{"es": "Agua"}', "email": ""}
    response = staff.post("/admin/core/department/add/", form)
    assert response.status_code == 302, response.content
    water = Department.objects.get(code="water")
    assert last_entry("department.created").object_id == str(water.pk)

    form = {"name": "Water and sewers", "names": '{"es": "Agua"}', "email": "w@example.org"}
    response = staff.post(f"/admin/core/department/{water.pk}/change/", form)
    assert response.status_code == 302, response.content
    water.refresh_from_db()
    assert (water.name, water.email) == ("Water and sewers", "w@example.org")
    entry = last_entry("department.updated")
    assert entry.object_id == str(water.pk)
    assert entry.actor == city["users"]["admin"]
    assert entry.data["name"] == "Water and sewers"
    assert staff.post(f"/admin/core/department/{water.pk}/delete/").status_code == 403


def test_an_organisation_edited_in_the_admin_is_audited(
    staff: Client, city: dict[str, Any]
) -> None:
    org = city["organisation"]
    form = {
        "name": "Good neighbours",
        "description": "We meet on Fridays",
        "area": city["areas"]["s1"].pk,
        "website": "https://neighbours.example.org",
    }
    response = staff.post(f"/admin/core/organisation/{org.pk}/change/", form)
    assert response.status_code == 302, response.content
    org.refresh_from_db()
    assert (org.name, org.area) == ("Good neighbours", city["areas"]["s1"])
    entry = last_entry("organisation.updated")
    assert entry.object_id == str(org.pk)
    assert entry.data["area"] == "s1"
    response = staff.post("/admin/core/organisation/add/", {"slug": "club", "name": "Club"})
    assert response.status_code == 302, response.content
    club = Organisation.objects.get(slug="club")
    assert last_entry("organisation.created").object_id == str(club.pk)


def test_an_account_added_edited_and_given_a_password_in_the_admin_is_audited(
    staff: Client, city: dict[str, Any]
) -> None:
    form = {
        "email": "new@example.org",
        "password1": "pw-67890-long",
        "password2": "pw-67890-long",
        "role": Role.RESIDENT,
    }
    response = staff.post("/admin/core/user/add/", form)
    assert response.status_code == 302, response.content
    person = User.objects.get(email="new@example.org")
    assert last_entry("user.created").object_id == str(person.pk)

    form = {
        "email": "new@example.org",
        "display_name": "Nueva",
        "role": Role.OFFICIAL,
        "home_area": city["areas"]["n2"].pk,
        "departments": [city["departments"]["parks"].pk],
        "is_active": "on",
    }
    response = staff.post(f"/admin/core/user/{person.pk}/change/", form)
    assert response.status_code == 302, response.content
    person.refresh_from_db()
    assert person.role == Role.OFFICIAL
    assert list(person.departments.values_list("code", flat=True)) == ["parks"]
    entry = last_entry("user.updated")
    assert entry.object_id == str(person.pk)
    assert entry.actor == city["users"]["admin"]
    assert entry.data["role"] == Role.OFFICIAL
    assert entry.data["departments"] == ["parks"]
    assert "display_name" in entry.data

    form = {
        "password1": "another-pw-long",
        "password2": "another-pw-long",
        "usable_password": "true",
    }
    response = staff.post(f"/admin/core/user/{person.pk}/password/", form)
    assert response.status_code == 302, response.content
    person.refresh_from_db()
    assert person.check_password("another-pw-long")
    entry = last_entry("user.password_set")
    assert entry.object_id == str(person.pk)
    assert "another-pw-long" not in str(entry.data)
    assert staff.post(f"/admin/core/user/{person.pk}/delete/").status_code == 403


def test_every_other_admin_page_is_read_only(staff: Client) -> None:
    from cocity.core.admin import AUDITED_ADMINS

    others = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AUDITED_ADMINS)
    ]
    labels = {model._meta.label for model, _ in others}
    assert {"auth.Group", "account.EmailAddress", "core.ConsentRecord"} <= labels
    for model, _ in others:
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/add/"
        assert staff.get(url).status_code == 403, url
    before = AuditEntry.objects.count()
    assert staff.post("/admin/auth/group/add/", {"name": "editors"}).status_code == 403
    assert AuditEntry.objects.count() == before
