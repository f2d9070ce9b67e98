from django.contrib import admin

from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by the privacy services alone."""

    list_display = ("at", "action", "learner_id", "learner_kind", "actor")
    list_filter = ("action", "learner_kind")
    search_fields = ("=learner_id", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
