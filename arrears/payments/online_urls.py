"""Online payment endpoints: providers' webhooks and the test provider's checkout page."""

from django.urls import path

from arrears.payments import online_views

app_name = "online_payments"
urlpatterns = [
    path("webhooks/<slug:provider>/", online_views.provider_webhook, name="webhook"),
    path("test-psp/<str:provider_ref>/", online_views.test_psp_checkout, name="test_psp"),
]
