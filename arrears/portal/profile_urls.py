from django.urls import path

from arrears.portal import profile_views

urlpatterns = [
    path("details/contact/", profile_views.contact, name="contact"),
    path("details/contact/add/", profile_views.add_contact, name="add_contact"),
    path("details/contact/verify/", profile_views.verify_contact, name="verify_contact"),
    path("details/contact/address/", profile_views.add_address, name="add_address"),
    path("details/contact/<int:pk>/remove/", profile_views.retire_contact, name="retire_contact"),
    path("details/preferences/", profile_views.preferences, name="preferences"),
    path("details/circumstances/", profile_views.circumstances, name="circumstances"),
]
