"""Writes of service categories."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from cocity.core.errors import DomainError, full_clean
from cocity.core.models import Department, User
from cocity.core.services import audit_record, names_clean
from cocity.needs.models import ServiceCategory

DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


@transaction.atomic
def category_create(
    *,
    code: str,
    name: str,
    department: Department,
    expected_days: int = 7,
    description: str = "",
    group: str = "",
    keywords: str = "",
    attributes: list[dict[str, Any]] | None = None,
    names: Mapping[str, str] | None = None,
    actor: User | None = None,
) -> ServiceCategory:
    """A new category; ``names`` gives its name in the city's other languages."""
    category = ServiceCategory(
        code=code,
        name=name,
        names=names_clean(names or {}),
        department=department,
        expected_days=expected_days,
        description=description,
        group=group,
        keywords=keywords,
        attributes=list(attributes or []),
    )
    _validate_attribute_definitions(category.attributes)
    full_clean(category)
    category.save()
    audit_record(
        action="needs.category_created",
        actor=actor,
        obj=category,
        data={"code": code, "department": department.code},
    )
    return category


@transaction.atomic
def category_update(
    *,
    category: ServiceCategory,
    name: str,
    department: Department,
    expected_days: int,
    description: str = "",
    group: str = "",
    keywords: str = "",
    actor: User | None = None,
) -> ServiceCategory:
    """Change what residents see of a category and who answers it (its code stays: Open311
    clients name it; its attributes change with ``category_create``'s definitions)."""
    before = {"department": category.department.code, "name": category.name}
    category.name = name
    category.department = department
    category.expected_days = expected_days
    category.description = description
    category.group = group
    category.keywords = keywords
    full_clean(category)
    category.save()
    audit_record(
        action="needs.category_updated",
        actor=actor,
        obj=category,
        data={
            "code": category.code,
            "name": name,
            "department": department.code,
            "expected_days": expected_days,
            "before": before,
        },
    )
    return category


@transaction.atomic
def category_set_active(
    *, category: ServiceCategory, active: bool, actor: User | None = None
) -> bool:
    """Switch a category off (no new reports: it leaves the form and Open311's list; its
    reports stay) or on again. Returns False when it already was (nothing is logged)."""
    changed = ServiceCategory.objects.filter(pk=category.pk, active=not active).update(
        active=active
    )
    if not changed:
        return False
    category.active = active
    audit_record(
        action="needs.category_activated" if active else "needs.category_deactivated",
        actor=actor,
        obj=category,
        data={"code": category.code},
    )
    return True


def _validate_attribute_definitions(attributes: list[dict[str, Any]]) -> None:
    for attr in attributes:
        if not attr.get("code") or attr.get("datatype") not in DATATYPES:
            raise DomainError(
                "Each attribute needs a code and one of the six Open311 datatypes.",
                code="invalid_attribute_definition",
            )
