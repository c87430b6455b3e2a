"""Demo budgets (filled in below)."""
