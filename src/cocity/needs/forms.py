"""HTML forms of the needs app: they parse input only; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cocity.core import selectors as core_selectors
from cocity.core.models import Area, Department
from cocity.needs import selectors
from cocity.needs.models import DESCRIPTION_MAX, Priority, ServiceCategory, Status
from cocity.needs.selectors import ReportFilters


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one ``<input type="file" multiple>``; the service checks them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(item, initial) for item in items if item]


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What is the problem about?"),
        queryset=ServiceCategory.objects.none(),
        empty_label=_("Choose a category"),
    )
    place_q = forms.CharField(
        label=_("Search an address or place"),
        required=False,
        max_length=160,
        help_text=_("A street and number, or the name of a place: for example Calle Mayor 12."),
    )
    place = forms.IntegerField(required=False, widget=forms.HiddenInput)
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Choose a district"),
        help_text=_("Or choose a district, or give the exact coordinates below."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=200,
        help_text=_("For example: in front of Calle Mayor 12."),
    )
    description = forms.CharField(
        label=_("Describe the problem"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 3 photos, 8 MB each. Location and camera data are removed."),
    )
    anonymous = forms.BooleanField(
        label=_("Hide my name on the public page"),
        required=False,
        help_text=_("Officials can still contact you through your account."),
    )
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = cast(forms.ModelChoiceField, self.fields["category"])
        district = cast(forms.ModelChoiceField, self.fields["district"])
        category.queryset = selectors.category_list()
        district.queryset = selectors.district_choices()
        # the descriptions, in the reader's language, listed below the choice
        self.described_categories = [c for c in category.queryset if c.description_label]
        if self.described_categories:
            category.help_text = _(
                "Not sure which one? “What each category covers”, below, describes them."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon, district = data.get("lat"), data.get("lon"), data.get("district")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        if data.get("place"):  # a place picked from the search: its point and its address
            place = core_selectors.place_get(data["place"])
            if place is None:
                raise forms.ValidationError(_("That place is no longer known: search again."))
            if lat is None:
                data["lat"], data["lon"] = lat, lon = place.lat, place.lon
            if not data.get("address"):
                data["address"] = place.label
        if lat is None and district is None:
            raise forms.ValidationError(_("Say where: choose a district or give coordinates."))
        if lat is None and district is not None:
            data["lat"], data["lon"] = district.centroid_lat, district.centroid_lon
        return data


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's date picker; a typed YYYY-MM-DD works everywhere

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ReportFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    date_from = forms.DateField(
        label=_("Reported from"),
        required=False,
        widget=DateInput,
        input_formats=["%Y-%m-%d"],
    )
    date_to = forms.DateField(
        label=_("Reported until"),
        required=False,
        widget=DateInput,
        input_formats=["%Y-%m-%d"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        category = cast(forms.ChoiceField, self.fields["category"])
        district = cast(forms.ChoiceField, self.fields["district"])
        status = cast(forms.ChoiceField, self.fields["status"])
        category.choices = everything + [
            (c.code, c.label) for c in selectors.category_list(active_only=False)
        ]
        district.choices = everything + [(a.code, a.name) for a in selectors.district_choices()]
        # "closed" is every closed status, Status.CLOSED included: not listed twice
        status.choices = [
            *everything,
            ("open", _("Open (any open status)")),
            ("closed", _("Closed (any closed status)")),
            *((value, label) for value, label in Status.choices if value != Status.CLOSED),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date comes before the start date."))
        return data

    def filters(self) -> ReportFilters:
        """The valid filters; a filter with an error is left out (the page shows the error
        beside it)."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds exactly the fields without errors
            data = self.cleaned_data
        return ReportFilters(
            category=data.get("category", ""),
            area=data.get("district", ""),
            status=data.get("status", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def template_choices(empty_label: Any) -> list[tuple[str, Any]]:
    """The ready-made answers in the current language, as (code, "title — text") choices."""
    rows = selectors.response_templates(language=get_language())
    return [
        ("", empty_label),
        *((t.code, Truncator(f"{t.title} — {t.text}").chars(90)) for t in rows),
    ]


class ResponseTemplateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    text = forms.CharField(
        label=_("Public answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published on the report's page, where everyone can read it."),
    )


# a category's texts; the default is in the site's language, the others in a JSON field each
CATEGORY_TEXTS = {
    "name": "names",
    "description": "descriptions",
    "group": "groups",
    "keywords": "keywords_in_languages",
}


def other_languages() -> list[tuple[str, Any]]:
    """The city's languages but the site's own, as (code, name)."""
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def category_text_field(text: str, *, default: bool) -> forms.Field:
    """The form field of one of a category's texts (``CATEGORY_TEXTS``) in one language; only
    the default name is required."""
    if text == "name":
        return forms.CharField(label=_("Name"), max_length=120, required=default)
    if text == "description":
        return forms.CharField(
            label=_("Description"),
            required=False,
            max_length=DESCRIPTION_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("What the category covers: residents read it when they choose one."),
        )
    if text == "group":
        return forms.CharField(label=_("Group"), max_length=80, required=False)
    return forms.CharField(
        label=_("Keywords"),
        max_length=200,
        required=False,
        help_text=_("Separated by commas; they help residents find the category."),
    )


def category_language_fields() -> dict[str, forms.Field]:
    """The fields of a category's texts in the other languages: ``name_es``, ``description_es``…"""
    return {
        f"{text}_{code}": category_text_field(text, default=False)
        for code, _name in other_languages()
        for text in CATEGORY_TEXTS
    }


def category_texts_initial(category: ServiceCategory) -> dict[str, str]:
    """A category's texts as the forms' initial values."""
    initial = {text: getattr(category, text) for text in CATEGORY_TEXTS}
    for text, field in CATEGORY_TEXTS.items():
        for code, _name in other_languages():
            initial[f"{text}_{code}"] = (getattr(category, field) or {}).get(code, "")
    return initial


def category_texts(data: dict[str, Any]) -> dict[str, Any]:
    """A cleaned form's texts as ``category_create``/``category_update`` take them: the
    default ones, and each other language's in ``names``, ``descriptions``… (empty ones
    left out: that language shows the default)."""
    texts: dict[str, Any] = {text: data.get(text) or "" for text in CATEGORY_TEXTS}
    for text, field in CATEGORY_TEXTS.items():
        texts[field] = {
            code: data[f"{text}_{code}"]
            for code, _name in other_languages()
            if data.get(f"{text}_{code}")
        }
    return texts


def category_language_sections(form: forms.BaseForm) -> list[tuple[str, list[Any]]]:
    """The form's text fields by language, the site's language first: (legend, fields)."""
    names = dict(settings.LANGUAGES)
    default = names.get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
    sections = [
        (
            _("%(language)s (the default)") % {"language": default},
            [form[text] for text in CATEGORY_TEXTS],
        )
    ]
    for code, name in other_languages():
        sections.append((str(name), [form[f"{text}_{code}"] for text in CATEGORY_TEXTS]))
    return sections


class CategoryForm(forms.Form):
    """A service category's edit form (``services.category_update``): its texts in each of the
    city's languages, the answering department and the days to answer."""

    name = category_text_field("name", default=True)
    description = category_text_field("description", default=True)
    group = category_text_field("group", default=True)
    keywords = category_text_field("keywords", default=True)
    department = forms.ModelChoiceField(
        label=_("Department that answers"), queryset=Department.objects.order_by("name")
    )
    expected_days = forms.IntegerField(
        label=_("Days to answer"),
        min_value=0,
        max_value=365,
        help_text=_("Reports show the expected answer date from this."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(category_language_fields())

    def language_sections(self) -> list[tuple[str, list[Any]]]:
        return category_language_sections(self)

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as ``services.category_update`` takes it."""
        data = self.cleaned_data
        return {
            **category_texts(data),
            "department": data["department"],
            "expected_days": data["expected_days"],
        }


class NewResponseTemplateForm(ResponseTemplateForm):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_(
            "Letters, digits and hyphens. Give the same answer in another language the same code."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    field_order = ["code", "language", "title", "text"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    template = forms.ChoiceField(
        label=_("Answer template"),
        required=False,
        choices=[],
        help_text=_("Used when the public note is left empty."),
    )
    note = forms.CharField(
        label=_("Public note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone can read this note on the report's page."),
    )
    duplicate_of = forms.IntegerField(
        label=_("Duplicate of report number"), required=False, min_value=1
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["template"])
        field.choices = template_choices(_("None: write the note below"))


class BulkStatusForm(forms.Form):
    reports = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    status = forms.ChoiceField(
        label=_("New status for the selected reports"), choices=Status.choices
    )
    template = forms.ChoiceField(label=_("Answer template"), required=False, choices=[])

    def __init__(self, *args: Any, report_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedMultipleChoiceField, self.fields["reports"])
        field.choices = [(pk, str(pk)) for pk in report_ids]
        template = cast(forms.ChoiceField, self.fields["template"])
        template.choices = template_choices(_("No public note"))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReassignForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)


class Open311KeyForm(forms.Form):
    name = forms.CharField(
        label=_("Client app name"),
        max_length=120,
        help_text=_("Who uses the key, e.g. 'Street app (Android)' or 'SMS gateway'."),
    )
    email_consent = forms.BooleanField(
        label=_("The app asks its users' consent to e-mail updates"),
        required=False,
        help_text=_(
            "Tick only if the app asks each person, before sending their e-mail address, whether "
            "they agree to receive updates on their report: then every public update is e-mailed "
            "to that address."
        ),
    )
