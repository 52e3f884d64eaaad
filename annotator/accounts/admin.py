from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from annotator.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "role", "is_active", "consented_at", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Crowd", {"fields": ("role", "consented_at")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Crowd", {"fields": ("role",)}),
    )
