from django.contrib import admin

from annotator.core.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "owner", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["created_at", "updated_at", "started_at", "finished_at"]
