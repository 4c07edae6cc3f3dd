"""The public fiche d'orientation, reachable without an account (see tests/mediation/test_url_access.py)."""

from django.urls import path

from . import referral_views

app_name = "public_referral"

urlpatterns = [
    path("", referral_views.referral_form, name="form"),
    path("envoyee/", referral_views.referral_sent, name="sent"),
    path("communes/", referral_views.commune_suggestions, name="communes"),
]
