"""Forms of the sensing pages."""

from __future__ import annotations

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
