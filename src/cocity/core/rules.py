"""Who may do what, as named django-rules predicates (tested per role)."""

from __future__ import annotations

from typing import Any

import rules

from cocity.core.models import Role


@rules.predicate
def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


@rules.predicate
def is_official(user: Any) -> bool:
    return bool(user.is_authenticated and user.role == Role.OFFICIAL)


@rules.predicate
def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and user.role == Role.MODERATOR)


@rules.predicate
def is_organisation_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.organisations.exists())


@rules.predicate
def is_resident(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


@rules.predicate
def is_member_of_department(user: Any, department: Any) -> bool:
    if department is None or not user.is_authenticated:
        return False
    return bool(user.departments.filter(pk=department.pk).exists())


@rules.predicate
def is_member_of_organisation(user: Any, organisation: Any) -> bool:
    if organisation is None or not user.is_authenticated:
        return False
    return bool(user.organisations.filter(pk=organisation.pk).exists())


is_staff_member = is_admin | is_official | is_moderator

rules.add_perm("core.manage_areas", is_admin)
rules.add_perm("core.manage_departments", is_admin)
rules.add_perm("core.manage_users", is_admin)
rules.add_perm("core.view_audit_actors", is_admin)  # the raw, hashed user:N labels
rules.add_perm("core.view_back_office", is_staff_member)
rules.add_perm("core.moderate", is_moderator | is_admin)
rules.add_perm("core.act_for_department", is_admin | (is_official & is_member_of_department))
rules.add_perm("core.act_for_organisation", is_admin | is_member_of_organisation)
rules.add_perm("core.file_on_behalf", is_official | is_organisation_member | is_admin)
rules.add_perm("core.participate", is_resident)
