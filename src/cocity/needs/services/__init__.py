"""Writes of the needs app, by entity. Every write is one transaction and records an audit
entry. The public names are re-exported here: callers use ``services.report_submit(...)``."""

from cocity.needs.models import open311_key_hash
from cocity.needs.services.categories import (
    DATATYPES,
    DESCRIPTION_MAX,
    category_attributes_check,
    category_create,
    category_set_active,
    category_update,
)
from cocity.needs.services.keys import open311_key_create, open311_key_revoke
from cocity.needs.services.reports import (
    MAX_DESCRIPTION,
    MAX_EMAIL,
    _report_prepare,
    phone_hash,
    report_follow,
    report_submit,
    report_support,
)
from cocity.needs.services.templates import (
    response_template_create,
    response_template_delete,
    response_template_update,
)
from cocity.needs.services.triage import (
    MAX_NOTE,
    report_add_note,
    report_bulk_change_status,
    report_bulk_reassign,
    report_change_status,
    report_reassign,
    report_set_priority,
)

__all__ = [
    "DATATYPES",
    "DESCRIPTION_MAX",
    "MAX_DESCRIPTION",
    "MAX_EMAIL",
    "MAX_NOTE",
    "_report_prepare",
    "category_attributes_check",
    "category_create",
    "category_set_active",
    "category_update",
    "open311_key_create",
    "open311_key_hash",
    "open311_key_revoke",
    "phone_hash",
    "report_add_note",
    "report_bulk_change_status",
    "report_bulk_reassign",
    "report_change_status",
    "report_follow",
    "report_reassign",
    "report_set_priority",
    "report_submit",
    "report_support",
    "response_template_create",
    "response_template_delete",
    "response_template_update",
]
