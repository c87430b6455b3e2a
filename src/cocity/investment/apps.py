from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentConfig(AppConfig):
    name = "cocity.investment"
    label = "investment"
    verbose_name = _("Investment")

    def ready(self) -> None:
        from cocity.investment import rules, seeders  # noqa: F401 - registers rules and seeder
