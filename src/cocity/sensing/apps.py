from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cocity.core.scheduling import Job


class SensingConfig(AppConfig):
    name = "cocity.sensing"
    label = "sensing"
    verbose_name = _("Sensing")

    def ready(self) -> None:
        from cocity.core.errors import protocol_register
        from cocity.sensing import ngsi, rules, seeders  # noqa: F401 - seeders registers the demo's

        protocol_register("/ngsi-ld/", ngsi.error_for_request)

    def periodic_jobs(self) -> list[Job]:
        """Subscriptions with a timeInterval notified, quality checks, the evidence rules."""
        return [
            Job("sensors-notify", command=("sensors", "notify"), every=60),
            Job("sensors-check", command=("sensors", "check"), every=3600),
            Job("sensors-evidence", command=("sensors", "evidence"), at="04:00"),
        ]
