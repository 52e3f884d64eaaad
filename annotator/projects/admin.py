from django.contrib import admin

from annotator.projects.models import Pipeline, Project, Task


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "dataset", "owner", "overlap", "control_rate"]
    list_filter = ["kind", "status"]
    search_fields = ["name"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "snippet", "status", "is_control", "submitted_count"]
    list_filter = ["status", "is_control", "project"]
    raw_id_fields = ["snippet"]
