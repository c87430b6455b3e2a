"""Who may do what with reports, as named django-rules predicates."""

from __future__ import annotations

from typing import Any

import rules

from cocity.core.rules import is_admin, is_official, is_resident


@rules.predicate
def is_official_of_report_department(user: Any, report: Any) -> bool:
    if report is None or not user.is_authenticated or report.department_id is None:
        return False
    return bool(user.departments.filter(pk=report.department_id).exists())


@rules.predicate
def is_official_of_category_department(user: Any, category: Any) -> bool:
    if category is None or not user.is_authenticated:
        return False
    return bool(user.departments.filter(pk=category.department_id).exists())


can_triage_report = is_admin | (is_official & is_official_of_report_department)

rules.add_perm("needs.view_triage", is_admin | is_official)
rules.add_perm("needs.triage_report", can_triage_report)
rules.add_perm("needs.view_internal_notes", can_triage_report)
rules.add_perm("needs.support_report", is_resident)
rules.add_perm("needs.manage_open311_keys", is_admin)
rules.add_perm("needs.manage_response_templates", is_admin | is_official)
# the list of service categories: admins and officials; a category's edit form and switch: admins
# and the officials of the department that answers it
rules.add_perm("needs.view_categories", is_admin | is_official)
rules.add_perm("needs.edit_category", is_admin | (is_official & is_official_of_category_department))
