from django.contrib import admin

from annotator.quality.models import LedgerEntry, Skill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["annotator", "category", "value", "opted_out", "updated_at"]
    list_filter = ["category", "opted_out"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["annotator", "kind", "amount_cents", "project", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["assignment"]
