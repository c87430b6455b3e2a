"""Pure algorithms of open data: coarsening locations to H3 cells, suppressing small cells, and
differentially private counts (no Django)."""
