from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from arrears.api.api import api
from arrears.core import views as core_views

admin.site.site_header = "arrears"
admin.site.site_title = "arrears"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portal/", include("arrears.portal.urls")),
    path("payments/", include("arrears.payments.online_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
