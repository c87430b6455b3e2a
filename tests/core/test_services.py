from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from cocity.core import selectors, services
from cocity.core.errors import Conflict, DomainError
from cocity.core.models import Area, AuditEntry, ConsentRecord, Role, User

pytestmark = pytest.mark.django_db


def test_every_city_write_is_in_an_intact_audit_chain(city: dict[str, Any]) -> None:
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[:4] == ["area.created"] * 4
    assert "department.created" in actions
    assert "organisation.created" in actions
    assert actions.count("user.created") == len(Role.values)
    assert services.audit_verify() is None
    first = AuditEntry.objects.order_by("id").first()
    assert first is not None
    assert first.prev_hash == "0" * 64


def test_audit_verify_finds_a_deliberately_altered_entry(city: dict[str, Any], capsys: Any) -> None:
    entries = list(AuditEntry.objects.order_by("id"))
    target = entries[5]
    AuditEntry.objects.filter(pk=target.pk).update(data={"code": "forged"})
    broken = services.audit_verify()
    assert broken is not None
    assert broken.entry_id == target.pk
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify")
    assert exc.value.code == 1
    assert f"#{target.pk}" in capsys.readouterr().err


def test_audit_verify_finds_a_deleted_entry(city: dict[str, Any]) -> None:
    entries = list(AuditEntry.objects.order_by("id"))
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    broken = services.audit_verify()
    assert broken is not None
    assert broken.entry_id == entries[3].pk


def test_user_create_rejects_duplicate_email_case_insensitively(city: dict[str, Any]) -> None:
    with pytest.raises(Conflict):
        services.user_create(email="RESIDENT@example.org", password="x-long-password")


def test_user_create_rejects_bad_email_and_leaves_nothing(db: None) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        services.user_create(email="not-an-email", password="x-long-password")
    assert "email" in exc.value.fields
    assert not User.objects.exists()
    assert AuditEntry.objects.count() == before


def test_admin_role_gives_staff_and_changing_role_removes_it(city: dict[str, Any]) -> None:
    admin = city["users"][Role.ADMIN]
    assert admin.is_staff
    assert admin.is_superuser
    services.user_set_role(user=admin, role=Role.RESIDENT, actor=None)
    admin.refresh_from_db()
    assert not admin.is_staff
    with pytest.raises(DomainError):
        services.user_set_role(user=admin, role="emperor", actor=None)


def test_area_upsert_computes_centroid_and_size(city: dict[str, Any]) -> None:
    area = city["areas"]["n1"]
    assert area.centroid_lat == pytest.approx(40.965)
    assert area.centroid_lon == pytest.approx(-5.695)
    assert area.area_km2 == pytest.approx(0.934, rel=0.01)


def test_invalid_boundary_is_a_clear_error_and_changes_nothing(db: None) -> None:
    with pytest.raises(DomainError) as exc:
        services.area_upsert(code="x", name="X", boundary={"type": "Point", "coordinates": [0, 0]})
    assert exc.value.code == "invalid_geometry"
    assert not Area.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "demographics",
    [{"income_quintiles": [0.5, 0.5]}, {"age_bands": {"0-14": -1}}, {"age_bands": [1, 2]}],
)
def test_bad_demographics_are_rejected(db: None, demographics: dict[str, Any]) -> None:
    from tests.conftest import square

    with pytest.raises(DomainError):
        services.area_upsert(code="x", name="X", boundary=square(0, 0), demographics=demographics)


def test_point_to_area_uses_the_index_and_follows_changes(city: dict[str, Any]) -> None:
    from tests.conftest import square

    assert selectors.area_for_point(lat=40.965, lon=-5.695) == city["areas"]["n1"]
    assert selectors.area_for_point(lat=40.955, lon=-5.685) == city["areas"]["s2"]
    assert selectors.area_for_point(lat=0, lon=0) is None
    services.area_upsert(code="far", name="Far", boundary=square(-0.005, -0.005))
    assert selectors.area_for_point(lat=0, lon=0).code == "far"  # type: ignore[union-attr]


def test_area_index_follows_a_boundary_edit_made_by_another_process(
    city: dict[str, Any],
) -> None:
    """Same number of areas, same ids: only the areas' revision token tells a worker that
    another worker moved a boundary."""
    from django.db import connection
    from tests.conftest import square

    assert selectors.area_for_point(lat=0, lon=0) is None  # this process's index is built
    n1 = city["areas"]["n1"]
    # what area_upsert does in another process: the row changes and the token with it
    Area.objects.filter(pk=n1.pk).update(boundary=square(-0.005, -0.005))
    assert selectors.area_for_point(lat=0, lon=0) is None  # still the old copy
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_revision SET token = 'elsewhere' WHERE name = 'areas'")
    assert selectors.area_for_point(lat=0, lon=0) == n1


def test_audit_record_starts_the_chain_on_a_new_database(db: None) -> None:
    from cocity.core.models import AuditEntry

    AuditEntry.objects.all().delete()
    services.audit_record(action="test.first", data={"n": 1, "when": date(2026, 1, 2)})
    services.audit_record(action="test.second", data={"ñ": ["a", 1.5, None]})
    first, second = AuditEntry.objects.order_by("id")
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    # values that JSON has no type for are stored as text, exactly as they were hashed
    assert (first.data, second.data) == ({"n": 1, "when": "2026-01-02"}, {"ñ": ["a", 1.5, None]})
    assert services.audit_verify() is None


def test_geojson_import_is_all_or_nothing(db: None) -> None:
    from tests.conftest import square

    good = {
        "type": "Feature",
        "properties": {"code": "a", "name": "A", "population": 5},
        "geometry": square(0, 0),
    }
    bad = {
        "type": "Feature",
        "properties": {"code": "b", "name": "B"},
        "geometry": {"type": "Point"},
    }
    with pytest.raises(DomainError, match="Feature 2"):
        services.areas_import_geojson(
            collection={"type": "FeatureCollection", "features": [good, bad]}
        )
    assert not Area.objects.exists()
    child = {
        "type": "Feature",
        "properties": {"code": "a1", "name": "A1", "parent": "a", "kind": "neighbourhood"},
        "geometry": square(0, 0, 0.005),
    }
    areas = services.areas_import_geojson(
        collection={"type": "FeatureCollection", "features": [good, child]}
    )
    assert [a.code for a in areas] == ["a", "a1"]
    assert areas[1].parent == areas[0]


@pytest.mark.parametrize(
    ("collection", "message"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "no features"),
        (
            {"type": "FeatureCollection", "features": [{"properties": {"name": "x"}}]},
            "'code' and 'name'",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [{"properties": {"code": "x", "name": "x", "parent": "zz"}}],
            },
            "unknown parent",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [{"properties": {"code": "x", "name": "x", "population": "lots"}}],
            },
            "whole number",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [{"properties": {"code": "x", "name": "x", "population": -3}}],
            },
            "negative",
        ),
    ],
)
def test_geojson_import_errors_name_the_problem(
    db: None, collection: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        services.areas_import_geojson(collection=collection)


def test_consent_grant_is_idempotent_and_withdrawal_is_kept(city: dict[str, Any]) -> None:
    user = city["users"][Role.RESIDENT]
    first = services.consent_grant(user=user, purpose="email_updates")
    assert services.consent_grant(user=user, purpose="email_updates") == first
    assert services.consent_withdraw(user=user, purpose="email_updates") == 1
    services.consent_grant(user=user, purpose="email_updates")
    records = ConsentRecord.objects.filter(user=user, purpose="email_updates")
    assert records.count() == 2
    assert records.filter(withdrawn_at=None).count() == 1
    with pytest.raises(DomainError):
        services.consent_grant(user=user, purpose="sell_my_data")


def test_personal_data_export_holds_account_consents_and_actions(city: dict[str, Any]) -> None:
    user = city["users"][Role.OFFICIAL]
    services.consent_grant(user=user, purpose="public_name")
    services.department_create(code="water", name="Water", actor=user)
    data = services.personal_data_export(user=user)
    json.dumps(data)
    assert data["account"]["email"] == "official@example.org"
    assert data["account"]["departments"] == ["roads"]
    assert data["consents"][0]["purpose"] == "public_name"
    assert [e["action"] for e in data["audit_entries"]] == ["department.created"]


def test_account_delete_anonymises_and_keeps_the_public_record(city: dict[str, Any]) -> None:
    user = city["users"][Role.ORGANISATION_MEMBER]
    services.consent_grant(user=user, purpose="public_name")
    services.department_create(code="water", name="Water", actor=user)
    services.account_delete(user=user)
    user.refresh_from_db()
    assert user.email == f"deleted-{user.pk}@invalid"
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.public_name == "Former participant"
    assert not user.organisations.exists()
    assert not user.consents.exists()
    # the public record of what they did stays, still chained and intact
    assert AuditEntry.objects.filter(actor=user, action="department.created").exists()
    assert AuditEntry.objects.filter(action="user.anonymised", object_id=str(user.pk)).exists()
    assert services.audit_verify() is None
    services.account_delete(user=user)  # twice is harmless


def test_organisation_and_department_validation(db: None) -> None:
    with pytest.raises(DomainError):
        services.department_create(code="bad code!", name="x")
    with pytest.raises(DomainError):
        services.organisation_create(slug="", name="x")


def test_an_area_edited_in_the_admin_goes_through_the_service(
    city: dict[str, Any], client: Any
) -> None:
    """Checked geometry, new centroid, an audit entry, and every worker's index told."""
    from tests.conftest import square

    n1 = city["areas"]["n1"]
    assert selectors.area_for_point(lat=0, lon=0) is None
    client.force_login(city["users"][Role.ADMIN])
    res = client.post(
        f"/admin/core/area/{n1.pk}/change/",
        {
            "name": "North One",
            "kind": "district",
            "parent": "",
            "population": "1500",
            "demographics": json.dumps(n1.demographics),
            "boundary": json.dumps(square(-0.005, -0.005)),
        },
    )
    assert res.status_code == 302, res.content.decode()[:2000]
    n1.refresh_from_db()
    assert (n1.population, round(n1.centroid_lat, 6)) == (1500, 0.0)
    assert selectors.area_for_point(lat=0, lon=0) == n1
    assert AuditEntry.objects.filter(action="area.updated", object_id=str(n1.pk)).exists()
    assert services.audit_verify() is None
    assert client.get(f"/admin/core/area/{n1.pk}/delete/").status_code == 403
