from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence; rows leave only through the retention purge."""

    list_display = ["at", "school", "actor_name", "action", "kind", "object_id", "student", "ip_address"]
    list_filter = ["action", "kind", "school"]
    list_select_related = ["school", "student"]
    search_fields = ["actor_name", "summary", "path"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
