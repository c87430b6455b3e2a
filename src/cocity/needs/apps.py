from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "cocity.needs"
    label = "needs"
    verbose_name = _("Needs")

    def ready(self) -> None:
        from cocity.core.errors import protocol_register
        from cocity.core.services import PERSONAL_DATA_EXPORTERS

        # permissions, the demo seeder, the "My account" sections
        from cocity.needs import open311, privacy, rules, seeders, selectors  # noqa: F401

        protocol_register("/open311/", open311.error_for_request)
        PERSONAL_DATA_EXPORTERS["needs"] = privacy.personal_data
