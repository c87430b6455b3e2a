"""Who may do what in participatory budgeting, as named django-rules predicates."""

from __future__ import annotations

import rules

from cocity.core.rules import is_admin, is_official, is_resident

is_budget_manager = is_official | is_admin

rules.add_perm("budgeting.manage", is_budget_manager)
rules.add_perm("budgeting.submit_idea", is_resident)
rules.add_perm("budgeting.vote", is_resident)
