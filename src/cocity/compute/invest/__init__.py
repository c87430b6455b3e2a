"""Allocation rules of the investment capability: matchfunding (fixed ratio, pairwise-bounded
quadratic funding) and oversubscribed offerings. Pure functions, no Django (docs/investment.md)."""
