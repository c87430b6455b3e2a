from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquityConfig(AppConfig):
    name = "cocity.equity"
    label = "equity"
    verbose_name = _("Equity")

    def ready(self) -> None:
        from cocity.equity import seeders  # noqa: F401 - registers the demo's seeder
        from cocity.equity.opendata import seeders as _od  # noqa: F401 - open data releases
