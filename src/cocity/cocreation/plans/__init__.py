"""Co-written plans (issue 18): an official's draft in sections, residents' comments and
amendments, officials' decisions, and versions that show what changed and because of whom."""
