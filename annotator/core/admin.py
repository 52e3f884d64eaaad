from django.contrib import admin

from annotator.core.models import AuditEntry, Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "owner", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["created_at", "updated_at", "started_at", "finished_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: an audit log nobody can edit or delete from the admin."""

    list_display = ["created_at", "action", "actor", "target_user", "project"]
    list_filter = ["action"]
    search_fields = ["actor__username", "target_user__username"]
    readonly_fields = ["created_at", "actor", "action", "target_user", "project", "details"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
