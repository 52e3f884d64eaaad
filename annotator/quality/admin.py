from django.contrib import admin

from annotator.quality.models import (
    ControlAnswer,
    LedgerEntry,
    QualityPolicy,
    Sanction,
    Skill,
    SkillEvent,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["annotator", "category", "value", "opted_out", "updated_at"]
    list_filter = ["category", "opted_out"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["annotator", "kind", "amount_cents", "project", "period", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["assignment"]


@admin.register(QualityPolicy)
class QualityPolicyAdmin(admin.ModelAdmin):
    list_display = ["project", "control_window", "control_minimum", "bonus_cents"]
    raw_id_fields = ["project"]


# The logs are written by services only: the admin reads them.
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SkillEvent)
class SkillEventAdmin(ReadOnlyAdmin):
    list_display = ["annotator", "category", "old", "new", "source", "actor", "created_at"]
    list_filter = ["source", "category"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["annotator", "project", "rule", "action", "until", "lifted_at", "created_at"]
    list_filter = ["rule", "action"]


@admin.register(ControlAnswer)
class ControlAnswerAdmin(ReadOnlyAdmin):
    list_display = ["annotator", "project", "category", "f1", "correct", "created_at"]
    list_filter = ["category", "correct"]
