"""The portal's PDF documents; included into the portal's urls, so their names are `portal:...`."""

from django.urls import path

from arrears.portal import document_views

urlpatterns = [
    path("accounts/<int:pk>/statement.pdf", document_views.statement, name="statement"),
    path("arrangements/<int:pk>/confirmation.pdf", document_views.arrangement_confirmation, name="arrangement_pdf"),
]
