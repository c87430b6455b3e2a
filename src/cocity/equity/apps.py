from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cocity.core.scheduling import Job


class EquityConfig(AppConfig):
    name = "cocity.equity"
    label = "equity"
    verbose_name = _("Equity")

    def ready(self) -> None:
        from cocity.equity import seeders  # noqa: F401 - registers the demo's seeder
        from cocity.equity.opendata import seeders as _od  # noqa: F401 - open data releases

    def periodic_jobs(self) -> list[Job]:
        """The equity snapshot (and the open processes' alerts) kept fresh without page views; the
        open datasets released when they changed."""
        return [
            Job(
                "equity-refresh",
                task="cocity.equity.tasks.equity_refresh_task",
                every=settings.COCITY_EQUITY_REFRESH_SECONDS,
            ),
            Job("opendata-publish", command=("opendata", "publish"), at="03:30"),
        ]
