from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cocity.core.models import ConsentPurpose


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label=_("I agree that cocity may"),
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class PublicNameForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your public name"),
        help_text=_(
            "Shown next to what you contribute. Leave it empty to appear as “Anonymous”; "
            "your e-mail address is never shown."
        ),
        max_length=100,
        required=False,
    )


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for its password again (a borrowed, signed-in device is not
    enough) and for the confirmation word."""

    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
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

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if self.user is None or not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your current password."))
        return password


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form. Its honeypot field (``ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD``), placed
    off-screen and out of the tab order by allauth, is hidden from assistive technology too. A
    filled honeypot "succeeds" quietly without creating an account (allauth)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = settings.ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD
        if name in self.fields:
            attrs = self.fields[name].widget.attrs
            # off-screen by a class, not allauth's style attribute (no inline style under the
            # Content-Security-Policy)
            attrs.pop("style", None)
            attrs.update(
                {
                    "class": "honeypot",
                    "aria-hidden": "true",
                    "aria-label": _("Leave this empty"),
                    "autocomplete": "off",
                }
            )
