import json

from django import forms
from django.forms.models import fields_for_model, model_to_dict

from annotator.catalog.models import Dataset
from annotator.catalog.services import UPLOAD_SUFFIXES
from annotator.core import taxonomy
from annotator.projects.models import AggregationMethod, Project
from annotator.quality.models import QualityPolicy


class DatasetUploadForm(forms.Form):
    name = forms.CharField(max_length=200)
    file = forms.FileField(
        help_text="A .jsonl file (content, path per line), or a .zip / .tar.gz of a source tree."
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A dataset needs a name.")
        return name

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError("Upload a .jsonl, .zip or .tar.gz file.")
        return upload


# --- projects -------------------------------------------------------------------

CATEGORY_CHOICES = [(c, taxonomy.Category(c).label) for c in taxonomy.TRAINING_ORDER]
EXAMPLES_HELP = (
    'A JSON list: [{"category": "NAME", "text": "Jane Roe", "is_pii": true, '
    '"explanation": "A real person\'s name."}]. is_pii false makes a counter-example.'
)


class ProjectSettingsForm(forms.Form):
    """The settings a project keeps changing while it runs (also used to create one)."""

    name = forms.CharField(max_length=200)
    categories = forms.MultipleChoiceField(
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Up to {taxonomy.MAX_PROJECT_CATEGORIES}; annotators learn them in this order.",
    )
    overlap = forms.IntegerField(min_value=1, max_value=20, initial=3)
    max_overlap = forms.IntegerField(
        min_value=1, max_value=20, required=False,
        help_text="Dynamic overlap: more answers for uncertain tasks, up to this many.",
    )  # fmt: skip
    confidence_threshold = forms.FloatField(min_value=0, max_value=1, initial=0.6)
    control_rate = forms.FloatField(
        min_value=0,
        max_value=1,
        initial=0.1,
        help_text="Share of served tasks that are control tasks.",
    )
    reward_cents = forms.IntegerField(min_value=0, initial=5, label="Reward per task (cents)")
    min_skill = forms.IntegerField(min_value=0, max_value=100, initial=0)
    pass_score = forms.IntegerField(min_value=0, max_value=100, initial=80)
    lease_seconds = forms.IntegerField(min_value=30, initial=1800)
    aggregation_method = forms.ChoiceField(choices=AggregationMethod.choices)
    max_rounds = forms.IntegerField(min_value=1, max_value=10, initial=2)
    instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    examples = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=EXAMPLES_HELP
    )

    def clean_categories(self) -> list[str]:
        try:
            return taxonomy.validate_categories(list(self.cleaned_data["categories"]))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_examples(self) -> list[dict]:
        raw = (self.cleaned_data.get("examples") or "").strip()
        if not raw:
            return []
        try:
            examples = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Examples are not valid JSON: {exc.msg}.") from exc
        if not isinstance(examples, list) or not all(isinstance(e, dict) for e in examples):
            raise forms.ValidationError("Examples are a JSON list of objects.")
        for number, example in enumerate(examples, start=1):
            if example.get("category") not in taxonomy.PII_CATEGORIES:
                raise forms.ValidationError(f"Example {number}: unknown category.")
            if not isinstance(example.get("text"), str) or not example["text"]:
                raise forms.ValidationError(f"Example {number}: it needs a text.")
        return [
            {"category": e["category"], "text": e["text"], "is_pii": bool(e.get("is_pii", True)),
             "explanation": str(e.get("explanation", ""))}
            for e in examples
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        overlap, ceiling = data.get("overlap"), data.get("max_overlap")
        if overlap and ceiling and ceiling < overlap:
            self.add_error("max_overlap", "The maximum overlap cannot be below the overlap.")
        return data

    @classmethod
    def initial_from(cls, project) -> dict:
        initial = {name: getattr(project, name) for name in cls.base_fields}
        initial["examples"] = json.dumps(project.examples, indent=1) if project.examples else ""
        return initial


class ProjectCreateForm(ProjectSettingsForm):
    kind = forms.ChoiceField(choices=Project.Kind.choices, initial=Project.Kind.GENERATION)
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none())
    source_project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False,
        help_text="Validation projects: the generation project whose labels they check.",
    )  # fmt: skip
    field_order = ["name", "kind", "dataset", "source_project", "categories"]

    def __init__(self, *args, datasets, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = datasets
        self.fields["source_project"].queryset = projects.filter(kind=Project.Kind.GENERATION)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Project.Kind.VALIDATION and not data.get("source_project"):
            self.add_error("source_project", "A validation project checks a generation project.")
        if data.get("kind") != Project.Kind.VALIDATION:
            data["source_project"] = None
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Project.Status.choices)


class GoldUploadForm(forms.Form):
    file = forms.FileField(help_text='JSON Lines: {"snippet": id, "spans": [...]} per line.')

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("A gold file is at most 20 MB.")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The gold file must be UTF-8 text.") from exc


POLICY_FIELDS = [
    "control_window", "control_minimum", "control_threshold", "fast_action", "fast_seconds",
    "fast_streak", "skip_action", "skip_streak", "accuracy_action", "accuracy_min",
    "no_pii_action", "no_pii_window", "no_pii_max", "suspend_minutes", "bonus_accuracy",
    "bonus_cents", "min_hourly_cents",
]  # fmt: skip


class PolicyForm(forms.Form):
    """The policy's fields, checked one by one; `services.policy_update` checks how they
    fit together (the model's constraints) and saves them."""

    def __init__(self, *args, policy: QualityPolicy, **kwargs):
        super().__init__(*args, initial=model_to_dict(policy, POLICY_FIELDS), **kwargs)


PolicyForm.base_fields = fields_for_model(
    QualityPolicy,
    fields=POLICY_FIELDS,
    labels={"min_hourly_cents": "Minimum effective hourly pay (cents)"},
    help_texts={
        "accuracy_min": (
            "Percent. The rule acts when the annotator's control accuracy is very likely "
            "(95 %) under it, not on a bare share: at 50, none right of 3 is enough, "
            "1 right of 3 is not (an accurate annotator slips like that one time in ten)."
        )
    },
)


# --- annotators -----------------------------------------------------------------


class SkillForm(forms.Form):
    category = forms.ChoiceField(choices=CATEGORY_CHOICES)
    value = forms.IntegerField(min_value=0, max_value=100)
    reason = forms.CharField(max_length=300)


class BanForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class ReplyForm(forms.Form):
    reply = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class FeedbackForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    body = forms.CharField(
        max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), label="Message"
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
