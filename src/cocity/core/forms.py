from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cocity.core.models import ConsentPurpose


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label=_("I agree that cocity may"),
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type DELETE to confirm"),
        help_text=_("Your account is deleted; your public contributions stay, without your name."),
        max_length=10,
    )

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value.upper() not in {"DELETE", "BORRAR"}:
            raise forms.ValidationError(_("Type DELETE to confirm."))
        return value
