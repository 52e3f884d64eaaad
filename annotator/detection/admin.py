from django.contrib import admin

from annotator.detection.models import RedactionItem, RedactionRun, Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["id", "snippet", "category", "context", "start", "end", "score", "source"]
    list_filter = ["category", "source"]
    raw_id_fields = ["snippet"]


@admin.register(RedactionRun)
class RedactionRunAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "owner", "created_at"]
    list_filter = ["status"]


@admin.register(RedactionItem)
class RedactionItemAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "key", "status", "attempts", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["run"]
