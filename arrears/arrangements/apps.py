from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrangementsConfig(AppConfig):
    name = "arrears.arrangements"
    label = "arrangements"
    verbose_name = _("Arrangements")

    def ready(self):
        from arrears.arrangements import tracking  # noqa: F401 - registers the payment subscriber
