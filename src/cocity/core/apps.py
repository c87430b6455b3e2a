from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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
