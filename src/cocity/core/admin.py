from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from cocity.core import services
from cocity.core.models import Area, AuditEntry, ConsentRecord, Department, Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name", "role", "home_area")}),
        ("Memberships", {"fields": ("departments", "organisations")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser", "anonymised_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "role")}),
    )
    filter_horizontal = ["departments", "organisations"]
    readonly_fields = ["anonymised_at"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    """Areas change through ``services.area_upsert`` (checked geometry, centroid and size, the
    audit entry, every worker's point → area index told) or ``cocity areas import``; deleting
    one is not offered (reports and conversations refer to it)."""

    list_display = ["code", "name", "kind", "population", "area_km2"]
    search_fields = ["code", "name"]
    readonly_fields = ["centroid_lat", "centroid_lon", "area_km2"]

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        saved = services.area_upsert(
            code=obj.code,
            name=obj.name,
            boundary=obj.boundary,
            population=obj.population,
            demographics=obj.demographics,
            kind=obj.kind,
            parent=obj.parent,
            actor=request.user if isinstance(request.user, User) else None,
        )
        obj.pk = saved.pk

    def get_readonly_fields(self, request: HttpRequest, obj: Area | None = None) -> list[str]:
        return [*self.readonly_fields, *(["code"] if obj is not None else [])]

    def has_delete_permission(self, request: HttpRequest, obj: Area | None = None) -> bool:
        return False


admin.site.register(Department)
admin.site.register(Organisation)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: the audit log is append-only."""

    list_display = ["id", "created_at", "actor_label", "action", "object_type", "object_id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin[ConsentRecord]):
    list_display = ["user", "purpose", "granted_at", "withdrawn_at"]

    def has_change_permission(self, request, obj=None):
        return False
