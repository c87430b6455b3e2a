"""Models of the equity app."""

# open data releases live in their own module (cocity.equity.opendata)
from cocity.equity.opendata.models import Release, ReleaseFile  # noqa: F401
