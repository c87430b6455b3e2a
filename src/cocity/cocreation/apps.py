from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CocreationConfig(AppConfig):
    name = "cocity.cocreation"
    label = "cocreation"
    verbose_name = _("Co-creation")

    def ready(self) -> None:
        from cocity.cocreation import rules, seeders, selectors  # noqa: F401 - registrations
