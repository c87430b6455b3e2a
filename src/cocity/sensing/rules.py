"""Who may do what with sensors, as named django-rules predicates."""

from __future__ import annotations

import rules

from cocity.core.rules import is_admin, is_official

#: data stewards: officials and administrators upload readings and turn evidence into needs
is_data_steward = is_official | is_admin

rules.add_perm("sensing.upload_readings", is_data_steward)
rules.add_perm("sensing.issue_keys", is_data_steward)
rules.add_perm("sensing.review_evidence", is_data_steward)
