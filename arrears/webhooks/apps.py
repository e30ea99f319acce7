from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "arrears.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from arrears.webhooks import subscribers  # noqa: F401 - registers the event subscriber
