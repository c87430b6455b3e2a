"""Forms of the investment pages (amounts typed in euros, stored in cents)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cocity.budgeting.models import Idea
from cocity.cocreation.models import Initiative
from cocity.core.models import Area, Organisation
from cocity.investment.models import MatchingCall


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


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _when(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=_DateTimeInput())


def _cents(value: Decimal | None) -> int:
    return int((value or 0) * 100)


class CampaignForm(forms.Form):
    """A campaign for a community project: an organisation's member for a project their
    organisation proposes; officials also for an initiative or a budget's winning project."""

    slug = forms.SlugField(label=_("Short name (in the address)"), max_length=60)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Proposing organisation"), queryset=Organisation.objects.none(), required=False
    )
    initiative = forms.ModelChoiceField(
        label=_("Initiative"), queryset=Initiative.objects.none(), required=False
    )
    idea = forms.ModelChoiceField(
        label=_("Budget's winning project"), queryset=Idea.objects.none(), required=False
    )
    area = forms.ModelChoiceField(
        label=_("District"), queryset=Area.objects.order_by("code"), required=False
    )
    call = forms.ModelChoiceField(
        label=_("Matching call"), queryset=MatchingCall.objects.none(), required=False
    )
    goal_minimum = forms.DecimalField(
        label=_("Minimum goal (€)"), min_value=Decimal(0), decimal_places=2, initial=0
    )
    goal_optimum = forms.DecimalField(
        label=_("Optimum goal (€)"), min_value=Decimal(0), decimal_places=2, initial=0
    )
    deadline = _when(_("Deadline"))
    second_round_deadline = _when(_("Second round deadline (optional)"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = user.has_perm("investment.manage")
        orgs = Organisation.objects.all() if manager else user.organisations.all()
        self.fields["organisation"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["call"].queryset = MatchingCall.objects.filter(  # type: ignore[attr-defined]
            status=MatchingCall.Status.OPEN
        )
        if manager:
            self.fields["initiative"].queryset = Initiative.objects.all()  # type: ignore[attr-defined]
            self.fields["idea"].queryset = Idea.objects.filter(  # type: ignore[attr-defined]
                status=Idea.Status.ACCEPTED, envelope__result__isnull=False
            )
        else:
            del self.fields["initiative"]
            del self.fields["idea"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["goal_minimum"] = _cents(data["goal_minimum"])
        data["goal_optimum"] = _cents(data["goal_optimum"])
        return data


class RoleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=140)
    description = forms.CharField(label=_("Description"), required=False, max_length=1000)
    starts_at = _when(_("Starts"))
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=24, initial=2)
    slots = forms.IntegerField(label=_("Slots"), min_value=1, max_value=10_000, initial=10)
