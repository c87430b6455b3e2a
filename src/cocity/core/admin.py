from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

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
    list_display = ["code", "name", "kind", "population", "area_km2"]
    search_fields = ["code", "name"]


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
