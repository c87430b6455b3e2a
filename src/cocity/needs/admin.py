"""Service categories in the Django admin: their texts in each of the city's languages, saved
through ``services.category_create``/``category_update``/``category_set_active`` (audited).
Reports, keys and the rest of the app are managed on the site's own pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cocity.core.admin import AuditedAdmin
from cocity.core.errors import DomainError
from cocity.core.models import User
from cocity.needs import services
from cocity.needs.forms import (
    CATEGORY_TEXTS,
    category_language_fields,
    category_text_field,
    category_texts,
    category_texts_initial,
    other_languages,
)
from cocity.needs.models import ServiceCategory


class _CategoryAdminForm(forms.ModelForm[ServiceCategory]):
    class Meta:
        model = ServiceCategory
        fields = [
            "code",
            "department",
            "expected_days",
            "active",
            *CATEGORY_TEXTS,
            "attributes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name, value in category_texts_initial(self.instance).items():
                self.initial.setdefault(name, value)

    def clean_attributes(self) -> Any:
        try:
            return services.category_attributes_check(self.cleaned_data.get("attributes") or [])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


# the other languages' fields are declared on the class: the admin checks the fields it lists
# against the form class before it builds a form. The default texts are the same fields as on
# the site's own category forms (the description held to DESCRIPTION_MAX, like the others).
CategoryAdminForm = type(
    "CategoryAdminForm",
    (_CategoryAdminForm,),
    {
        **{text: category_text_field(text, default=True) for text in CATEGORY_TEXTS},
        **category_language_fields(),
    },
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedAdmin, admin.ModelAdmin[ServiceCategory]):
    """A category's texts in every language, department, days to answer and state; its code
    and Open311 attributes are set when it is created. Deleting one is not offered (its reports
    refer to it): switch it off instead."""

    form = CategoryAdminForm
    list_display = ["code", "name", "department", "expected_days", "active"]
    list_filter = ["active", "department"]
    search_fields = ["code", "name"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        default = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
        return [
            (None, {"fields": ["code", "department", "expected_days", "active"]}),
            (
                _("%(language)s (the default)") % {"language": default},
                {"fields": list(CATEGORY_TEXTS)},
            ),
            *(
                (name, {"fields": [f"{text}_{code}" for text in CATEGORY_TEXTS]})
                for code, name in other_languages()
            ),
            (_("Open311 attributes"), {"fields": ["attributes"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # a new category is on; its code and attributes are fixed once it exists
        return ["code", "attributes"] if obj is not None else ["active"]

    def save_model(
        self, request: HttpRequest, obj: ServiceCategory, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        actor = request.user if isinstance(request.user, User) else None
        texts = category_texts(data)
        if change:
            # the stored row, not the form's copy: the audit entry records what it was before
            current = ServiceCategory.objects.select_related("department").get(pk=obj.pk)
            services.category_update(
                category=current,
                department=data["department"],
                expected_days=data["expected_days"],
                actor=actor,
                **texts,
            )
            services.category_set_active(category=current, active=data["active"], actor=actor)
        else:
            saved = services.category_create(
                code=data["code"],
                department=data["department"],
                expected_days=data["expected_days"],
                attributes=data.get("attributes") or [],
                actor=actor,
                **texts,
            )
            obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
