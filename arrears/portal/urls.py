from django.urls import include, path

from arrears.portal import (
    account_views,
    arrangement_views,
    brand_views,
    budget_views,
    overview_views,
    pay_views,
    profile_urls,
    security_views,
    views,
)

app_name = "portal"
urlpatterns = [
    path("", overview_views.overview, name="overview"),
    path("brand.css", brand_views.brand_css, name="brand_css"),
    path("brand/logo", brand_views.brand_logo, name="brand_logo"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("security/", security_views.security, name="security"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("first-visit/", views.first_visit, name="first_visit"),
    path("first-visit/code/", views.send_code, name="send_code"),
    path("first-visit/code/enter/", views.enter_code, name="enter_code"),
    path("first-visit/login/", views.create_login, name="create_login"),
    path("accounts/<int:pk>/offers/", arrangement_views.offers, name="offers"),
    path("accounts/<int:pk>/offers/accept/", arrangement_views.accept, name="accept_offer"),
    path("accounts/<int:pk>/promise/", arrangement_views.promise, name="promise"),
    path("arrangements/<int:pk>/", arrangement_views.arrangement, name="arrangement"),
    path("", include("arrears.portal.document_urls")),
    path("accounts/<int:pk>/history/", account_views.history, name="history"),
    path("accounts/<int:pk>/pay/", pay_views.pay, name="pay"),
    path("accounts/<int:pk>/pay/card/<int:payment>/", pay_views.card_checkout, name="card_checkout"),
    path("accounts/<int:pk>/pay/card/done/", pay_views.card_return, name="card_return"),
    path("accounts/<int:pk>/dispute/", arrangement_views.dispute, name="dispute"),
    path("accounts/<int:pk>/budget/", budget_views.budget, name="budget"),
    path("accounts/<int:pk>/propose/", budget_views.propose, name="propose"),
    path("proposals/<int:pk>/decide/", budget_views.decide, name="decide_counter"),
    path("", include(profile_urls)),
]
