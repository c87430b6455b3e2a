"""Forms of the investment pages (amounts typed in euros, stored in cents)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class PledgeForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (€)"), min_value=Decimal("1"), max_digits=10, decimal_places=2
    )
    named = forms.BooleanField(
        label=_("Show my public name in the ledger (otherwise it says “Anonymous”)"),
        required=False,
    )

    def cents(self) -> int:
        return int(self.cleaned_data["amount"] * 100)


class SignupForm(forms.Form):
    named = forms.BooleanField(label=_("Show my public name"), required=False)


class RequestForm(forms.Form):
    units = forms.IntegerField(label=_("Units"), min_value=1)
