"""Who may do what in the investment app, as named django-rules predicates."""

from __future__ import annotations

import rules

from cocity.core.rules import is_admin, is_official, is_resident

is_invest_manager = is_official | is_admin

rules.add_perm("investment.manage", is_invest_manager)
rules.add_perm("investment.pledge", is_resident)
