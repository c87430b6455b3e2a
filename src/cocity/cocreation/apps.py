from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cocity.core.scheduling import Job


class CocreationConfig(AppConfig):
    name = "cocity.cocreation"
    label = "cocreation"
    verbose_name = _("Co-creation")

    def ready(self) -> None:
        # permissions, the demo seeder, the audit sentences, the personal-data export
        from cocity.cocreation import audit_text, rules, seeders, services  # noqa: F401

        # and the same for co-written plans
        from cocity.cocreation.plans import audit_text as _plan_audit  # noqa: F401
        from cocity.cocreation.plans import seeders as _plan_seeders  # noqa: F401
        from cocity.cocreation.plans import services as _plan_services  # noqa: F401

    def periodic_jobs(self) -> list[Job]:
        """The day's value of computed indicators, late in the day (sensor means of the day)."""
        return [Job("cocreation-measure", command=("cocreation_measure",), at="23:30")]
