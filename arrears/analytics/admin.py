"""Back office: the portal funnel, one row per step taken, with a summary per step above the list for
whatever the filters select."""

from django.contrib import admin

from arrears.analytics import funnel
from arrears.analytics.models import FunnelEvent
from arrears.core.admin_base import RoleAdmin


@admin.register(FunnelEvent)
class FunnelEventAdmin(RoleAdmin):
    change_list_template = "admin/analytics/funnel_change_list.html"
    list_display = ["occurred_at", "step", "creditor", "account", "source"]
    list_filter = ["step", "creditor", "source"]
    date_hierarchy = "occurred_at"
    list_select_related = ["creditor", "account"]
    readonly_fields = [f.name for f in FunnelEvent._meta.fields]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["funnel"] = funnel.summary(changelist.queryset)
        return response
