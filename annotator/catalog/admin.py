from django.contrib import admin

from annotator.catalog.models import Dataset, Snippet, SourceFile


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    search_fields = ["name"]


@admin.register(SourceFile)
class SourceFileAdmin(admin.ModelAdmin):
    list_display = ["path", "dataset", "language", "license", "line_count"]
    list_filter = ["language", "dataset"]
    search_fields = ["path", "repository"]
    readonly_fields = ["content_hash", "line_count"]


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "dataset", "start_line", "line_count"]
    list_filter = ["dataset"]
    raw_id_fields = ["source_file"]
    list_select_related = ["source_file"]
