from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cocity.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from cocity.core import (  # noqa: F401  (registers the system checks, the demo seeder)
            checks,
            seeders,
        )
