"""Fixtures of the API tests: the needs tests' city with categories, shared."""

from tests.needs.conftest import _small_area_grid, needs  # noqa: F401 - fixtures used here
