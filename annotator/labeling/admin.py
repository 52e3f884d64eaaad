from django.contrib import admin

from annotator.labeling.models import Annotation, Assignment, Feedback, Span, SpanVerdict


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "annotator", "status", "lease_expires_at", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["task"]


class SpanInline(admin.TabularInline):
    model = Span
    extra = 0


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["id", "assignment", "no_pii", "problem", "time_spent_ms", "created_at"]
    list_filter = ["no_pii", "problem"]
    raw_id_fields = ["assignment"]
    inlines = [SpanInline]


@admin.register(Span)
class SpanAdmin(admin.ModelAdmin):
    list_display = ["id", "annotation", "category", "context", "start", "end"]
    list_filter = ["category", "context"]
    raw_id_fields = ["annotation"]


@admin.register(SpanVerdict)
class SpanVerdictAdmin(admin.ModelAdmin):
    list_display = ["id", "annotation", "verdict"]
    raw_id_fields = ["annotation"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["id", "annotator", "project", "created_at", "replied_at"]
    raw_id_fields = ["task", "assignment", "annotation"]
