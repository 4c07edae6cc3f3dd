"""The public pages of the footer (mediation/pages.py), reachable without an account."""

from django.urls import path

from . import pages

app_name = "pages"

urlpatterns = [
    path("mentions-legales/", pages.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", pages.personal_data, name="personal_data"),
    path("accessibilite/", pages.accessibility, name="accessibility"),
    path("plan-du-site/", pages.sitemap, name="sitemap"),
]
