from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "cocity.needs"
    label = "needs"
    verbose_name = _("Needs")

    def ready(self) -> None:
        from cocity.needs import rules, seeders  # noqa: F401  (register perms and the seeder)
