"""Forms of co-written plans: they parse and check input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cocity.cocreation.forms import organisation_field


class PlanImportForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: the draft's first level-1 heading."),
    )
    markdown = forms.CharField(
        label=_("Draft in Markdown"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Each heading (#, ##, …) starts a section that residents comment on."),
    )
    file = forms.FileField(label=_("Or a Markdown file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload:
            try:
                data["markdown"] = upload.read(600_000).decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not UTF-8 text."))
        if not data.get("markdown"):
            self.add_error("markdown", _("Paste the draft or choose a file."))
        return data


class _PassageForm(forms.Form):
    quote = forms.CharField(
        label=_("Passage (optional)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "plan-quote"}),
        help_text=_("Copy the words from the section exactly, or select them in the text."),
    )
    quote_start = forms.IntegerField(
        required=False, min_value=0, widget=forms.HiddenInput(attrs={"class": "plan-quote-start"})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated and user.organisations.exists():
            self.fields["organisation"] = organisation_field(user)


class PlanCommentForm(_PassageForm):
    body = forms.CharField(
        label=_("Your comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["body", "quote", "quote_start"]


class AmendmentForm(_PassageForm):
    text = forms.CharField(
        label=_("New text"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "It replaces the passage; without a passage, the whole section. Empty with a passage: "
            "delete the passage."
        ),
    )
    reason = forms.CharField(
        label=_("Why"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["quote", "quote_start", "text", "reason"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Its author and everyone reading the section see it."),
    )


class PublishForm(forms.Form):
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class SectionEditForm(forms.Form):
    body = forms.CharField(
        label=_("Section text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class SectionMoveForm(forms.Form):
    """Where to move a section: one place ``up`` or ``down`` (the pages' buttons), or to a
    ``position`` (1: first)."""

    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))], required=False)
    position = forms.IntegerField(min_value=1, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("direction") and not data.get("position"):
            raise forms.ValidationError(_("Choose where to move the section."))
        return data
