from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "arrears.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from arrears.analytics import funnel  # noqa: F401  (registers its event subscriber)
