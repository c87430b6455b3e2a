from __future__ import annotations

import itertools
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cocity.budgeting.models import (
    BallotKind,
    CountingRule,
    Envelope,
    Idea,
    ImplementationProject,
    Phase,
    Process,
    TieBreak,
)
from cocity.cocreation.models import Initiative
from cocity.core.models import Area
from cocity.needs.models import Report


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _when(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=_DateTimeInput())


class ProcessForm(forms.Form):
    slug = forms.SlugField(label=_("Short name (in the address)"), max_length=60)
    title = forms.CharField(label=_("Title (English)"), max_length=200)
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_es = forms.CharField(
        label=_("Description (Spanish)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    ideas_opens_at = _when(_("Ideas open"))
    review_opens_at = _when(_("Technical review starts"))
    support_opens_at = _when(_("Support round starts (optional)"), required=False)
    voting_opens_at = _when(_("Voting opens"))
    voting_closes_at = _when(_("Voting closes"))
    results_at = _when(_("Results published (optional)"), required=False)
    implementation_at = _when(_("Implementation starts (optional)"), required=False)
    ballot_kind = forms.ChoiceField(label=_("Ballot"), choices=BallotKind.choices)
    max_choices = forms.IntegerField(
        label=_("Most projects per ballot (approval; 0: no limit)"),
        min_value=0,
        max_value=100,
        initial=5,
    )
    points = forms.IntegerField(
        label=_("Points per ballot (cumulative)"), min_value=1, max_value=1000, initial=10
    )
    rule = forms.ChoiceField(label=_("Counting rule"), choices=CountingRule.choices)
    tie_break = forms.ChoiceField(label=_("Tie-breaking"), choices=TieBreak.choices)
    tie_break_seed = forms.IntegerField(label=_("Seed of the lot"), min_value=0, initial=0)
    shortlist_size = forms.IntegerField(
        label=_("Support round: projects per budget that go to the ballot (0: no limit)"),
        min_value=0,
        max_value=1000,
        initial=0,
        required=False,
    )
    support_threshold = forms.IntegerField(
        label=_("Support round: supports a project needs (0: none)"),
        min_value=0,
        initial=0,
        required=False,
    )
    require_eligibility = forms.BooleanField(
        label=_("Only people on the eligibility list may vote"), required=False
    )
    sms_verification = forms.BooleanField(
        label=_("Online voters confirm a mobile number with a code sent by SMS"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        order = ["ideas_opens_at", "review_opens_at", "voting_opens_at", "voting_closes_at"]
        for before, after in itertools.pairwise(order):
            if data.get(before) and data.get(after) and data[after] < data[before]:
                self.add_error(after, _("This date must not come before the previous phase."))
        return data

    def service_fields(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["shortlist_size"] = d.get("shortlist_size") or 0
        d["support_threshold"] = d.get("support_threshold") or 0
        d.pop("slug", None)
        d["titles"] = {"es": d.pop("title_es")} if d.get("title_es") else {}
        d["descriptions"] = {"es": d.pop("description_es")} if d.get("description_es") else {}
        d.pop("title_es", None)
        d.pop("description_es", None)
        return d

    @classmethod
    def initial_from(cls, process: Process) -> dict[str, Any]:
        initial = {
            name: getattr(process, name) for name in cls.base_fields if hasattr(process, name)
        }
        initial["title_es"] = (process.titles or {}).get("es", "")
        initial["description_es"] = (process.descriptions or {}).get("es", "")
        return initial


class EnvelopeForm(forms.Form):
    slug = forms.SlugField(label=_("Short name (in the address)"), max_length=60)
    name = forms.CharField(label=_("Name (English)"), max_length=120)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=120, required=False)
    area = forms.ModelChoiceField(
        label=_("District"),
        queryset=Area.objects.order_by("name"),
        required=False,
        empty_label=_("The whole city"),
    )
    amount = forms.IntegerField(label=_("Budget"), min_value=1)


class AmountForm(forms.Form):
    amount = forms.IntegerField(label=_("Budget"), min_value=1)


class SplitForm(forms.Form):
    total = forms.IntegerField(label=_("Total for the district budgets"), min_value=1)
    method = forms.ChoiceField(
        label=_("Split"),
        choices=[
            (Envelope.Allocation.POPULATION, Envelope.Allocation.POPULATION.label),
            (Envelope.Allocation.NEED, Envelope.Allocation.NEED.label),
        ],
    )


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("Phase"),
        choices=[("", _("Follow the dates")), *Phase.choices],
        required=False,
    )


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=140)
    body = forms.CharField(
        label=_("Your idea"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What should be done, where, and who would it help?"),
    )
    reports = forms.CharField(
        label=_("Reports it answers (optional)"),
        required=False,
        help_text=_("Numbers of reported problems this idea would solve, separated by commas."),
    )

    def clean_reports(self) -> list[Report]:
        raw = self.cleaned_data.get("reports") or ""
        numbers = [p.strip().lstrip("#") for p in raw.replace(";", ",").split(",") if p.strip()]
        if not all(n.isdigit() for n in numbers):
            raise forms.ValidationError(_("Write report numbers separated by commas."))
        found = list(Report.objects.filter(pk__in=[int(n) for n in numbers]))
        if len(found) != len(set(numbers)):
            raise forms.ValidationError(_("There is no report with one of these numbers."))
        return found


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: put it on the ballot")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    cost = forms.IntegerField(label=_("Cost estimate"), min_value=1, required=False)
    feasibility = forms.CharField(
        label=_("Feasibility"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reasons = forms.CharField(
        label=_("Reasons (shown publicly)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    @classmethod
    def initial_from(cls, idea: Idea) -> dict[str, Any]:
        return {
            "decision": "reject" if idea.status == Idea.Status.REJECTED else "accept",
            "cost": idea.cost,
            "feasibility": idea.feasibility,
            "reasons": idea.reasons,
        }


def ballot_choices(data: Any, projects: list[Idea]) -> tuple[dict[str, int], bool]:
    """The choices of a ballot form (``p<idea number>`` fields: a ticked box, or points), and
    whether every value was a whole number."""
    choices: dict[str, int] = {}
    clean = True
    for idea in projects:
        raw = str(data.get(f"p{idea.pk}", "") or "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            clean = False
            continue
        choices[str(idea.pk)] = value
    return choices, clean


class EligibilityForm(forms.Form):
    file = forms.FileField(
        label=_("Eligibility list (CSV: identifier, district code)"),
        help_text=_("Only keyed hashes of the identifiers are stored."),
    )


class CodesForm(forms.Form):
    count = forms.IntegerField(label=_("Number of codes"), min_value=1, max_value=20000)
    format = forms.ChoiceField(
        label=_("Sheet"), choices=[("pdf", _("PDF to print")), ("csv", _("CSV"))]
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number, with its country code"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code received by SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class BoothHelperForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the organisation member"))


class MergeForm(forms.Form):
    ideas = forms.ModelMultipleChoiceField(
        label=_("Similar ideas to merge into this one"),
        queryset=Idea.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Why they belong together (shown to the authors and the public)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, candidates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ideas_field: Any = self.fields["ideas"]
        ideas_field.queryset = candidates if candidates is not None else Idea.objects.none()


class ImplementationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ImplementationProject.Status.choices)
    note = forms.CharField(
        label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    initiative = forms.ModelChoiceField(
        label=_("Co-creation initiative that follows it (optional)"),
        queryset=Initiative.objects.order_by("title"),
        required=False,
    )
