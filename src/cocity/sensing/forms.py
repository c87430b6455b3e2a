"""Forms of the sensing pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Readings file (CSV or JSON)"),
        help_text=_(
            "CSV with the header device,quantity,observed_at,value, or a JSON array of objects "
            "with those keys. Times in ISO 8601 with a time zone."
        ),
    )


class ConfirmEvidenceForm(forms.Form):
    category: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("Category of the need"), empty_label=None
    )
    description = forms.CharField(
        label=_("What the need is about (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from cocity.needs import selectors as needs_selectors

        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = needs_selectors.category_list()


class AttachEvidenceForm(forms.Form):
    report = forms.IntegerField(label=_("Report number"), min_value=1)


class KeyForm(forms.Form):
    name = forms.CharField(
        label=_("Who the key is for"),
        max_length=120,
        help_text=_(
            "A gateway, a broker or a steward's script, e.g. the parks department's gateway."
        ),
    )
    may_register = forms.BooleanField(
        label=_("May register new devices"),
        required=False,
        initial=True,
        help_text=_("A device cocity does not know yet is registered on its first message."),
    )
