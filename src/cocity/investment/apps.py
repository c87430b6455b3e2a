from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cocity.core.scheduling import Job


class InvestmentConfig(AppConfig):
    name = "cocity.investment"
    label = "investment"
    verbose_name = _("Investment")

    def ready(self) -> None:
        from cocity.investment import rules, seeders  # noqa: F401 - registers rules and seeder

    def periodic_jobs(self) -> list[Job]:
        """Campaigns past their deadline closed, tomorrow's volunteers reminded."""
        return [Job("invest-tick", command=("invest_tick",), every=300)]
