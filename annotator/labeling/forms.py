"""Input shapes of the labeling actions; the rules live in labeling.services."""

from django import forms

from annotator.core.taxonomy import Category, Context
from annotator.labeling.models import Annotation
from annotator.projects.services import SpanInput


class SpanForm(forms.Form):
    """A selection in snippet offsets: [start, end), computed by static/js/label.js."""

    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=0)
    category = forms.ChoiceField(choices=Category.choices)
    context = forms.ChoiceField(choices=Context.choices, required=False)

    def span(self) -> SpanInput:
        data = self.cleaned_data
        return SpanInput(
            start=data["start"],
            end=data["end"],
            category=data["category"],
            context=data["context"] or Context.REAL,
        )


class ChangeForm(forms.Form):
    """Another category (and context) for a span already marked."""

    category = forms.ChoiceField(choices=Category.choices)
    context = forms.ChoiceField(choices=Context.choices, required=False)

    def clean_context(self) -> str:
        return self.cleaned_data["context"] or Context.REAL


class OptForm(forms.Form):
    choice = forms.ChoiceField(choices=[("out", "Opt out"), ("in", "Opt back in")])

    def clean(self) -> dict:
        data = super().clean()
        data["opted_out"] = data.get("choice") == "out"
        return data


class SubmitForm(forms.Form):
    no_pii = forms.BooleanField(required=False)


class ReportForm(forms.Form):
    problem = forms.ChoiceField(choices=Annotation.Problem.choices)
    comment = forms.CharField(required=False, max_length=2000)


def first_error(form: forms.Form) -> str:
    """One readable line for the page: the partial shows a single message."""
    for field, errors in form.errors.items():
        if field == "__all__":
            return errors[0]
        return f"{field.replace('_', ' ').capitalize()}: {errors[0]}"
    return ""
