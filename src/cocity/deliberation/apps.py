from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "cocity.deliberation"
    label = "deliberation"
    verbose_name = _("Deliberation")

    def ready(self) -> None:
        # permissions, the demo seeder, the "My account" sections
        from cocity.deliberation import rules, seeders, selectors  # noqa: F401
