from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiClient, User


@admin.register(User)
class TutorUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Role", {"fields": ("role",)}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Role", {"fields": ("role",)}),)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "token_prefix", "is_active", "created_at")
    readonly_fields = ("token_prefix", "created_at")
    search_fields = ("name",)
