"""Input and output shapes of the API. Inputs validate; outputs only describe.

No serializer saves anything: views hand validated data to services.
"""

from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from annotator.catalog.models import Dataset
from annotator.core import taxonomy
from annotator.labeling.models import Annotation
from annotator.projects.models import Project

# --- shared pieces -----------------------------------------------------------------


class SpanSerializer(serializers.Serializer):
    """A span in snippet offsets: [start, end), 0-based, end exclusive."""

    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=0)
    category = serializers.ChoiceField(choices=taxonomy.Category.choices)
    context = serializers.ChoiceField(
        choices=taxonomy.Context.choices, default=taxonomy.Context.REAL
    )

    def validate(self, data: dict) -> dict:
        # The labeling service drops a stray context (the page's form always sends one);
        # a script that sends one on purpose is told instead of silently corrected.
        if data["context"] != taxonomy.Context.REAL and not taxonomy.has_context(data["category"]):
            raise serializers.ValidationError(
                {"context": [f"{data['category']} takes no context; send 'real' or leave it out."]}
            )
        return data


def _category_codes(value: list[str]) -> list[str]:
    try:
        return taxonomy.validate_categories(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc


# --- auth --------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()


# --- datasets and jobs ---------------------------------------------------------------


class DatasetCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class DatasetSerializer(serializers.ModelSerializer):
    file_count = serializers.IntegerField(read_only=True)
    snippet_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Dataset
        fields = ["id", "name", "description", "file_count", "snippet_count", "created_at"]


class FileInSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=1000)
    content = serializers.CharField(trim_whitespace=False, allow_blank=True)
    language = serializers.CharField(max_length=40, required=False, allow_blank=True)
    license = serializers.CharField(max_length=200, required=False, allow_blank=True)
    repository = serializers.CharField(max_length=300, required=False, allow_blank=True)


class FilesJsonSerializer(serializers.Serializer):
    files = FileInSerializer(many=True, allow_empty=False, max_length=10_000)


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .jsonl, .zip or .tar.gz file of code files.")


class JobAcceptedSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="Poll GET /api/v1/jobs/{job} for the outcome.")


class ProgressDetailSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = serializers.FloatField(help_text="Units per second.")
    unit = serializers.CharField()
    message = serializers.CharField(allow_blank=True)


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "running", "done", "failed"])
    progress = serializers.FloatField(min_value=0, max_value=1)
    progress_detail = ProgressDetailSerializer(
        allow_null=True, help_text="Live counters while the job runs, else null."
    )
    result = serializers.JSONField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class SnippetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    path = serializers.CharField()
    start_line = serializers.IntegerField()
    end_line = serializers.IntegerField()
    text = serializers.CharField()


# --- projects ----------------------------------------------------------------------


class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    dataset = serializers.PrimaryKeyRelatedField(queryset=Dataset.objects.none())
    kind = serializers.ChoiceField(choices=Project.Kind.choices, default=Project.Kind.GENERATION)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=16),
        help_text=f"1 to {taxonomy.MAX_PROJECT_CATEGORIES} of "
        + ", ".join(taxonomy.TRAINING_ORDER),
    )
    overlap = serializers.IntegerField(min_value=1, max_value=20, default=3)
    control_rate = serializers.FloatField(min_value=0, max_value=1, default=0.1)
    min_skill = serializers.IntegerField(min_value=0, max_value=100, default=0)
    reward_cents = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    pass_score = serializers.IntegerField(min_value=0, max_value=100, default=80)
    lease_seconds = serializers.IntegerField(min_value=30, max_value=7 * 24 * 3600, default=1800)
    show_suggestions = serializers.BooleanField(
        default=False,
        help_text="Show the detector's suggestions to annotators. Off by default: they "
        "anchor the crowd on what the detector found.",
    )

    def __init__(self, *args, datasets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if datasets is not None:  # only the caller's own datasets are valid choices
            self.fields["dataset"].queryset = datasets

    def validate_categories(self, value: list[str]) -> list[str]:
        return _category_codes(value)


class ProjectSerializer(serializers.ModelSerializer):
    task_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id", "name", "dataset", "kind", "status", "categories", "overlap", "control_rate",
            "min_skill", "reward_cents", "instructions", "pass_score", "lease_seconds",
            "show_suggestions", "task_count", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ControlItemSerializer(serializers.Serializer):
    snippet = serializers.IntegerField(min_value=1)
    spans = SpanSerializer(many=True, help_text="Gold spans; an empty list means 'no PII'.")
    explanation = serializers.CharField(required=False, allow_blank=True, default="")


class ControlTasksInSerializer(serializers.Serializer):
    items = ControlItemSerializer(many=True, allow_empty=False, max_length=5000)


class ControlTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    snippet = serializers.IntegerField(source="snippet_id")
    gold_spans = SpanSerializer(many=True)


class ControlTasksSerializer(serializers.Serializer):
    tasks = ControlTaskSerializer(many=True)


class TaskCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    complete = serializers.IntegerField(help_text="Reached the overlap, awaiting aggregation.")
    final = serializers.IntegerField()
    control = serializers.IntegerField()


class AssignmentCountsSerializer(serializers.Serializer):
    submitted = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    skipped = serializers.IntegerField()
    expired = serializers.IntegerField()


class ProjectStatsSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.FloatField(help_text="Share of tasks complete or final, 0..1.")
    tasks = TaskCountsSerializer()
    assignments = AssignmentCountsSerializer()
    quality = serializers.DictField(
        help_text="annotators, no_pii, problem_reports, spans, mean_time_spent_ms."
    )
    agreement = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Per category, 0..1; null while agreement is not computed.",
    )
    agreement_available = serializers.BooleanField()
    agreement_note = serializers.CharField(allow_blank=True)
    aggregation_up_to_date = serializers.BooleanField(
        help_text="True when no task is waiting for aggregation."
    )


# --- annotators --------------------------------------------------------------------


class AnnotatorCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class AnnotatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["active", "awaiting_consent", "disabled"],
        help_text="disabled: cannot log in; awaiting_consent: has not accepted the terms.",
    )
    skills = serializers.DictField(child=serializers.IntegerField())
    quality = serializers.DictField(
        help_text="Counts of submitted, skipped and expired assignments, reports, and "
        "control_accuracy (null until the quality engine scores control tasks)."
    )
    date_joined = serializers.DateTimeField()


class SkillsPatchSerializer(serializers.Serializer):
    skills = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), allow_empty=False
    )
    reason = serializers.CharField(max_length=300)

    def validate_skills(self, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - taxonomy.PII_CATEGORIES)
        if unknown:
            raise serializers.ValidationError(f"Unknown skills: {', '.join(unknown)}.")
        return value


# --- the annotator's side ----------------------------------------------------------


class TaskPayloadSerializer(serializers.Serializer):
    """What an annotator sees of a task. Identical for control tasks: no gold, no flag."""

    id = serializers.IntegerField()
    path = serializers.CharField()
    language = serializers.CharField(allow_blank=True)
    start_line = serializers.IntegerField()
    end_line = serializers.IntegerField()
    text = serializers.CharField()
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="The project's categories; AMBIGUOUS always works."
    )


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = TaskPayloadSerializer()
    expires_at = serializers.DateTimeField()
    draft_spans = SpanSerializer(many=True)


class SubmitSerializer(serializers.Serializer):
    spans = SpanSerializer(many=True, default=list)
    no_pii = serializers.BooleanField(default=False)
    time_spent_ms = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)


class AnnotationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment = serializers.IntegerField(source="assignment_id")
    no_pii = serializers.BooleanField()
    problem = serializers.CharField(allow_blank=True)
    spans = SpanSerializer(many=True)
    created_at = serializers.DateTimeField()


class AssignmentStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    problem = serializers.ChoiceField(choices=Annotation.Problem.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class EarningsSerializer(serializers.Serializer):
    total_cents = serializers.IntegerField(help_text="Sum of every ledger entry.")
    by_kind = serializers.DictField(child=serializers.IntegerField())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    skills = serializers.DictField(child=serializers.IntegerField())
    earnings = EarningsSerializer()


# --- exports -----------------------------------------------------------------------


class ExportFiltersSerializer(serializers.Serializer):
    # Plain strings, checked by exports.spec: the same rules as the GET endpoint's query.
    categories = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Keep only spans of these category codes (NAME, EMAIL, ...); empty: all.",
    )
    min_confidence = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        help_text="aggregated only: drop final spans less confident than this (0-1).",
    )
    only_validated = serializers.BooleanField(
        required=False, default=False, help_text="Keep only snippets that validation accepted."
    )


class ExportJobInSerializer(serializers.Serializer):
    format = serializers.CharField(
        default="jsonl", help_text="jsonl, bio, bigcode or files (as GET .../export)."
    )
    kind = serializers.CharField(
        default="raw", help_text="raw (jsonl only) or aggregated (as GET .../export)."
    )
    filters = ExportFiltersSerializer(required=False)
