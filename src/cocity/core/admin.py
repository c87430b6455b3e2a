"""The Django admin, limited to what the audit log records: every save of an account, a
department, an organisation or an area (and, in the needs app, a service category) goes through
its service (which writes the audit entry); every other registered model, ours or a library's,
is read-only (``limit_to_audited``)."""

import copy
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import models
from django.http import HttpRequest

from cocity.core import services
from cocity.core.models import Area, AuditEntry, ConsentRecord, Department, Organisation, User


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class AuditedAdmin:
    """Mixed into an admin class whose saves go through the services (which write the audit
    entries): ``limit_to_audited`` leaves it writable. Other apps' admins use it too."""


class UserCreationForm(forms.ModelForm[User]):
    """The admin's new-account form: the account is made by ``services.user_create``."""

    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password (again)", widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["email", "role"]

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError("The two passwords differ.")
        return second or ""


class PasswordForm(AdminPasswordChangeForm):
    """The admin's password page: the change goes through ``services.user_set_password``."""

    actor: User | None = None

    def save(self, commit: bool = True) -> Any:
        # "password-based authentication: disabled" leaves no password (an unusable one)
        usable = self.cleaned_data.get("usable_password", "true") not in (False, "false")
        return services.user_set_password(
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
            actor=self.actor,
        )


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Accounts change through ``services.user_create``, ``user_update`` (one audit entry naming
    what changed) and ``user_set_password``; the staff flags follow the role, so they are shown,
    not edited; accounts are deleted by their owner (``account_delete``), not here."""

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
    add_form = UserCreationForm
    change_password_form = PasswordForm
    filter_horizontal = ["departments", "organisations"]
    readonly_fields = ["anonymised_at", "is_staff", "is_superuser"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            saved = services.user_create(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                role=form.cleaned_data["role"],
                actor=_actor(request),
            )
            obj.pk = saved.pk
            obj.refresh_from_db()
        # a change is saved with its memberships in save_related: one service call

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not change:
            return
        data = form.cleaned_data
        services.user_update(
            user=form.instance,
            actor=_actor(request),
            departments=data.get("departments"),
            organisations=data.get("organisations"),
            **{name: data[name] for name in services.USER_FIELDS if name in data},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        # a copy of this (shared) admin whose form knows who acts, for this request only
        bound = copy.copy(self)
        bound.change_password_form = cast(
            type[PasswordForm], type("PasswordForm", (PasswordForm,), {"actor": _actor(request)})
        )
        return BaseUserAdmin.user_change_password(bound, request, id, form_url)


@admin.register(Area)
class AreaAdmin(AuditedAdmin, admin.ModelAdmin[Area]):
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
            actor=_actor(request),
        )
        obj.pk = saved.pk

    def get_readonly_fields(self, request: HttpRequest, obj: Area | None = None) -> list[str]:
        return [*self.readonly_fields, *(["code"] if obj is not None else [])]

    def has_delete_permission(self, request: HttpRequest, obj: Area | None = None) -> bool:
        return False


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin, admin.ModelAdmin[Department]):
    """Departments change through ``department_create``/``department_update``; deleting one is
    not offered (categories, reports and officials refer to it)."""

    list_display = ["code", "name", "email"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "names", "email"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.department_update(
                department=obj,
                name=data["name"],
                email=data.get("email", ""),
                names=data.get("names") or {},
                actor=_actor(request),
            )
        else:
            saved = services.department_create(
                code=data["code"],
                name=data["name"],
                email=data.get("email", ""),
                names=data.get("names") or {},
                actor=_actor(request),
            )
            obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin, admin.ModelAdmin[Organisation]):
    """Organisations change through ``organisation_create``/``organisation_update``; deleting
    one is not offered (its members and contributions refer to it)."""

    list_display = ["slug", "name", "area"]
    search_fields = ["slug", "name"]
    fields = ["slug", "name", "description", "area", "website"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["slug"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.organisation_update(
                organisation=obj,
                name=data["name"],
                description=data.get("description", ""),
                area=data.get("area"),
                website=data.get("website", ""),
                actor=_actor(request),
            )
        else:
            saved = services.organisation_create(
                slug=data["slug"],
                name=data["name"],
                description=data.get("description", ""),
                area=data.get("area"),
                actor=_actor(request),
            )
            if data.get("website"):
                services.organisation_update(
                    organisation=saved,
                    name=saved.name,
                    description=saved.description,
                    area=saved.area,
                    website=data["website"],
                    actor=_actor(request),
                )
            obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
    """Read-only (``limit_to_audited``): consents are given and withdrawn by their owner."""

    list_display = ["user", "purpose", "granted_at", "withdrawn_at"]


# the admins whose saves go through the services; every other one is made read-only
AUDITED_ADMINS = (AuditedAdmin,)


class ReadOnlyAdmin:
    """Mixed into an admin class: it shows, it does not add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def limit_to_audited(site: admin.AdminSite = admin.site) -> None:
    """Make every registered admin outside ``AUDITED_ADMINS`` read-only, the libraries' too
    (groups, e-mail addresses, API tokens, task results): a change there would write no audit
    entry. Called from ``CoreConfig.ready``, once every app's admin module is loaded."""
    for model, model_admin in list(site._registry.items()):
        current = type(model_admin)
        if isinstance(model_admin, (*AUDITED_ADMINS, ReadOnlyAdmin)):
            continue
        site.unregister(model)
        site.register(model, type(f"ReadOnly{current.__name__}", (ReadOnlyAdmin, current), {}))
