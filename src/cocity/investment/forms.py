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


def _parse_weights(text: str) -> dict[str, str]:
    """``d3 = 1.5`` lines (or ``d3=1.5, d4=1.2``) as the rule's district weights."""
    weights: dict[str, str] = {}
    for item in text.replace(",", "\n").splitlines():
        if not item.strip():
            continue
        code, sep, value = item.partition("=")
        if not sep and ":" in item:
            code, sep, value = item.partition(":")
        code, value = code.strip(), value.strip()
        try:
            number = Decimal(value)
        except ArithmeticError:
            number = Decimal(-1)
        if not sep or not code or not number.is_finite() or number <= 0:
            raise forms.ValidationError(
                _("Write one district per line as “code = weight”, e.g. “d3 = 1.5”.")
            )
        weights[code] = str(number)
    unknown = sorted(
        set(weights) - set(Area.objects.filter(code__in=weights).values_list("code", flat=True))
    )
    if unknown:
        raise forms.ValidationError(
            _("Unknown district code: %(codes)s."), params={"codes": ", ".join(unknown)}
        )
    return weights


class CallForm(forms.Form):
    """A matching call: the sponsor's pot and the published rule (officials only)."""

    KINDS = [
        ("fixed", _("Fixed ratio, with a cap per project")),
        ("qf", _("Quadratic funding, pairwise-bounded")),
    ]

    slug = forms.SlugField(label=_("Short name (in the address)"), max_length=60)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    sponsor = forms.ModelChoiceField(
        label=_("Sponsor"), queryset=Organisation.objects.order_by("name")
    )
    pot = forms.DecimalField(label=_("Pot (€)"), min_value=Decimal(1), decimal_places=2)
    kind = forms.ChoiceField(label=_("Rule"), choices=KINDS, widget=forms.RadioSelect)
    ratio = forms.DecimalField(
        label=_("Ratio (fixed rule: euros matched per euro pledged)"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        initial=1,
        required=False,
    )
    cap = forms.DecimalField(
        label=_("Most matched per project (€, optional)"),
        min_value=Decimal(0),
        decimal_places=2,
        required=False,
    )
    threshold = forms.DecimalField(
        label=_("Pairwise bound M (quadratic rule, €, optional)"),
        min_value=Decimal("0.01"),
        decimal_places=2,
        required=False,
        help_text=_("Two people acting together can draw at most about 2·M from the pot."),
    )
    district_weights = forms.CharField(
        label=_("Under-served districts (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "One per line as “code = weight”: “d3 = 1.5” weighs its projects' match 1.5 times."
        ),
    )
    opens_at = _when(_("Opens"))
    closes_at = _when(_("Closes"))

    def clean_district_weights(self) -> dict[str, str]:
        return _parse_weights(self.cleaned_data.get("district_weights") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "fixed" and not data.get("ratio"):
            self.add_error("ratio", _("A fixed rule needs a ratio."))
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The call must close after it opens."))
        return data

    def rule(self) -> dict[str, Any]:
        data = self.cleaned_data
        fixed = data["kind"] == "fixed"
        return {
            "kind": data["kind"],
            "pot": _cents(data["pot"]),
            "ratio": str(data["ratio"]) if fixed else "1",
            "cap": None if data["cap"] is None else _cents(data["cap"]),
            "threshold": None
            if fixed or data["threshold"] is None
            else str(_cents(data["threshold"])),
            "district_weights": data["district_weights"],
        }

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = ("slug", "title", "description", "sponsor", "opens_at", "closes_at")
        return {**{name: data[name] for name in fields}, "rule": self.rule()}


class OfferingForm(forms.Form):
    """Units of a community asset, shared by the published rule and seed (officials only)."""

    slug = forms.SlugField(label=_("Short name (in the address)"), max_length=60)
    title = forms.CharField(label=_("Asset"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation offering it"), queryset=Organisation.objects.order_by("name")
    )
    units = forms.IntegerField(label=_("Units offered"), min_value=1)
    unit_price = forms.DecimalField(
        label=_("Price per unit (€)"), min_value=Decimal("0.01"), decimal_places=2
    )
    cap_per_person = forms.IntegerField(label=_("Most units per person"), min_value=1)
    term = forms.CharField(label=_("Term"), max_length=200)
    stated_return = forms.CharField(
        label=_("Stated return"),
        max_length=300,
        help_text=_("In plain words, as promised by the organisation (not a guarantee)."),
    )
    opens_at = _when(_("Sign-ups open"))
    closes_at = _when(_("Sign-ups close"))
    seed = forms.CharField(
        label=_("Lottery seed (published)"),
        max_length=64,
        help_text=_("Published now, used if more units are asked for than offered."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Sign-ups must close after they open."))
        units, cap = data.get("units"), data.get("cap_per_person")
        if units and cap and cap > units:
            self.add_error("cap_per_person", _("At most the units offered."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["unit_price"] = _cents(data["unit_price"])
        return data
