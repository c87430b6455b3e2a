from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensingConfig(AppConfig):
    name = "cocity.sensing"
    label = "sensing"
    verbose_name = _("Sensing")

    def ready(self) -> None:
        from cocity.core.errors import protocol_register
        from cocity.sensing import ngsi, rules, seeders  # noqa: F401 - seeders registers the demo's

        protocol_register("/ngsi-ld/", ngsi.error_for_request)
