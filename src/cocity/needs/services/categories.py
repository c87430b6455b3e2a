"""Writes of service categories."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from cocity.core.errors import DomainError, full_clean
from cocity.core.models import Department, User
from cocity.core.services import audit_record, names_clean, texts_clean
from cocity.needs.models import DESCRIPTION_MAX, ServiceCategory

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
    descriptions: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
    keywords_in_languages: Mapping[str, str] | None = None,
    actor: User | None = None,
) -> ServiceCategory:
    """A new category. ``names``, ``descriptions``, ``groups`` and ``keywords_in_languages``
    give its texts in the city's other languages (``{"es": "…"}``)."""
    category = ServiceCategory(
        code=code,
        name=name,
        names=names_clean(names or {}),
        department=department,
        expected_days=expected_days,
        description=description,
        group=group,
        keywords=keywords,
        attributes=category_attributes_check(list(attributes or [])),
        **_other_languages(descriptions or {}, groups or {}, keywords_in_languages or {}),
    )
    full_clean(category)
    category.save()
    audit_record(
        action="needs.category_created",
        actor=actor,
        obj=category,
        data={"code": code, "department": department.code},
    )
    return category


# what ``category_update`` can change, as the audit entry names it
EDITABLE = (
    "name",
    "names",
    "description",
    "descriptions",
    "group",
    "groups",
    "keywords",
    "keywords_in_languages",
    "department",
    "expected_days",
)


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
    names: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
    keywords_in_languages: Mapping[str, str] | None = None,
    actor: User | None = None,
) -> ServiceCategory:
    """Change what residents see of a category, in each language, and who answers it (its
    code stays: Open311 clients name it; its attributes change with ``category_create``'s
    definitions). A text in other languages given as None stays as it is; ``{}`` removes
    them."""
    before = {"department": category.department.code, "name": category.name}
    old = {field: getattr(category, field) for field in EDITABLE}
    if names is not None:
        category.names = names_clean(names)
    others = _other_languages(
        descriptions if descriptions is not None else category.descriptions,
        groups if groups is not None else category.groups,
        (
            keywords_in_languages
            if keywords_in_languages is not None
            else category.keywords_in_languages
        ),
    )
    for field, value in others.items():
        setattr(category, field, value)
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
            "changed": [f for f in EDITABLE if getattr(category, f) != old[f]],
            "before": before,
        },
    )
    return category


def _other_languages(
    descriptions: Mapping[str, str], groups: Mapping[str, str], keywords: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """The category's texts in the other languages, checked (lengths as the default's)."""
    return {
        "descriptions": texts_clean(descriptions, field="description", max_length=DESCRIPTION_MAX),
        "groups": texts_clean(groups, field="group", max_length=80),
        "keywords_in_languages": texts_clean(keywords, field="keywords", max_length=200),
    }


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


def category_attributes_check(attributes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open311 attribute definitions, checked: each has a ``code`` and one of the six
    datatypes; its ``description`` and each value's ``name`` may have their text in the city's
    other languages (``"descriptions": {"es": "…"}``, ``"names": {"es": "…"}``), which the
    service definition answers in the reader's language. Returns them with those texts
    cleaned."""
    invalid = DomainError(
        "Each attribute needs a code and one of the six Open311 datatypes; its texts in other "
        "languages an object of language codes.",
        code="invalid_attribute_definition",
        fields={"attributes": ["A code, a datatype and texts by language code."]},
    )
    checked = []
    for attr in attributes:
        if not isinstance(attr, Mapping):
            raise invalid
        if not attr.get("code") or attr.get("datatype") not in DATATYPES:
            raise invalid
        attr = dict(attr)
        values = []
        for value in attr.get("values") or []:
            if not isinstance(value, Mapping):
                raise invalid
            value = dict(value)
            if "names" in value:
                value["names"] = _attribute_texts(value["names"], invalid)
            values.append(value)
        if "values" in attr:
            attr["values"] = values
        if "descriptions" in attr:
            attr["descriptions"] = _attribute_texts(attr["descriptions"], invalid)
        checked.append(attr)
    return checked


def _attribute_texts(texts: Any, invalid: DomainError) -> dict[str, str]:
    if not isinstance(texts, Mapping):
        raise invalid
    try:
        return texts_clean(texts, field="attributes", max_length=400)
    except DomainError:
        raise invalid from None
