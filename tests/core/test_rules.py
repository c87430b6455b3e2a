from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from cocity.core.models import Role

pytestmark = pytest.mark.django_db

EXPECTED = {
    # permission: roles that have it (object-less)
    "core.manage_areas": {Role.ADMIN},
    "core.view_back_office": {Role.ADMIN, Role.OFFICIAL, Role.MODERATOR},
    "core.moderate": {Role.ADMIN, Role.MODERATOR},
    "core.file_on_behalf": {Role.ADMIN, Role.OFFICIAL, Role.ORGANISATION_MEMBER},
    "core.participate": set(Role.values),
}


@pytest.mark.parametrize("perm", sorted(EXPECTED))
@pytest.mark.parametrize("role", Role.values)
def test_permissions_per_role(city: dict[str, Any], perm: str, role: str) -> None:
    user = city["users"][role]
    assert user.has_perm(perm) == (role in EXPECTED[perm])


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_anonymous_has_no_permission(db: None, perm: str) -> None:
    assert not AnonymousUser().has_perm(perm)


def test_officials_act_only_for_their_department(city: dict[str, Any]) -> None:
    official = city["users"][Role.OFFICIAL]
    roads, parks = city["departments"]["roads"], city["departments"]["parks"]
    assert official.has_perm("core.act_for_department", roads)
    assert not official.has_perm("core.act_for_department", parks)
    assert not official.has_perm("core.act_for_department", None)
    assert city["users"][Role.ADMIN].has_perm("core.act_for_department", parks)
    assert not city["users"][Role.MODERATOR].has_perm("core.act_for_department", roads)


def test_organisation_members_act_for_their_organisation(city: dict[str, Any]) -> None:
    org = city["organisation"]
    assert city["users"][Role.ORGANISATION_MEMBER].has_perm("core.act_for_organisation", org)
    assert not city["users"][Role.RESIDENT].has_perm("core.act_for_organisation", org)
    assert not city["users"][Role.RESIDENT].has_perm("core.act_for_organisation", None)
