from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cocity.core.scheduling import Job


class CoreConfig(AppConfig):
    name = "cocity.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from cocity.core import checks, seeders  # noqa: F401  (registers the system checks, the demo seeder)
        from cocity.core.services import audit_sql_functions

        connection_created.connect(audit_sql_functions, dispatch_uid="cocity.audit_sql_functions")

        from cocity.core.admin import limit_to_audited

        limit_to_audited()  # the admin writes only what the audit log records

    def periodic_jobs(self) -> list[Job]:
        """The audit chain, checked nightly; on the database queue, finished task results older
        than two weeks pruned (the periodic jobs alone leave ~2,000 a day)."""
        jobs = [Job("audit-verify", command=("audit", "verify"), at="02:45")]
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
            prune = ("prune_db_task_results", "--queue-name", "*", "--min-age-days", "14")
            jobs.append(Job("tasks-prune", command=prune, at="04:30"))
        return jobs
