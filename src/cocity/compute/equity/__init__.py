"""Equity algorithms with no Django import: inequality (Gini, Theil with its between/within
split, the concentration index ranked by need), representativeness of participants against a
population, and survey weights (post-stratification, raking)."""
