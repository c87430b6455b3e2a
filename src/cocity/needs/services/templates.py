"""Writes of ready-made answers (response templates)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from cocity.core.errors import DomainError, full_clean
from cocity.core.models import User
from cocity.core.services import audit_record
from cocity.needs.models import ResponseTemplate


def _template_check(template: ResponseTemplate) -> None:
    template.title = template.title.strip()
    template.text = template.text.strip()
    if template.language not in dict(settings.LANGUAGES):
        raise DomainError(
            "Unknown language.", code="invalid", fields={"language": ["Unknown language."]}
        )
    full_clean(template)


@transaction.atomic
def response_template_create(
    *, code: str, language: str, title: str, text: str, actor: User | None = None
) -> ResponseTemplate:
    """A new ready-made answer. The same code in another language is the same answer there."""
    template = ResponseTemplate(code=code.strip(), language=language, title=title, text=text)
    _template_check(template)
    template.save()
    audit_record(
        action="needs.response_template_created",
        actor=actor,
        obj=template,
        data={"code": template.code, "language": language},
    )
    return template


@transaction.atomic
def response_template_update(
    *, template: ResponseTemplate, title: str, text: str, actor: User | None = None
) -> ResponseTemplate:
    """New wording; updates already published keep the words they were published with."""
    template.title, template.text = title, text
    _template_check(template)
    template.save(update_fields=["title", "text", "updated_at"])
    audit_record(
        action="needs.response_template_updated",
        actor=actor,
        obj=template,
        data={"code": template.code, "language": template.language},
    )
    return template


@transaction.atomic
def response_template_delete(*, template: ResponseTemplate, actor: User | None = None) -> None:
    audit_record(
        action="needs.response_template_deleted",
        actor=actor,
        obj=template,
        data={"code": template.code, "language": template.language},
    )
    template.delete()
