from django.contrib import admin

from annotator.projects.models import Agreement, FinalSpan, Pipeline, Project, Task


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name", "kind", "status", "dataset", "owner", "overlap", "control_rate", "show_suggestions"
    ]  # fmt: skip
    list_filter = ["kind", "status", "show_suggestions"]
    search_fields = ["name"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "snippet", "status", "is_control", "submitted_count"]
    list_filter = ["status", "is_control", "project"]
    raw_id_fields = ["snippet"]


@admin.register(FinalSpan)
class FinalSpanAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "category", "context", "start", "end", "confidence", "verdict"]
    list_filter = ["category", "method", "verdict"]
    raw_id_fields = ["task"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["project", "updated_at"]
    readonly_fields = ["state"]
