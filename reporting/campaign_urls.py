"""The yearly campaign, under /campagnes/: coordinators' pages, then the mediator's own bilans."""

from django.urls import path

from . import campaign_views as views

app_name = "campaigns"

urlpatterns = [
    # Coordinators and administrators
    path("", views.campaign_list, name="campaign_list"),
    path("ouvrir/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/relancer/", views.campaign_remind, name="campaign_remind"),
    path("<int:pk>/recalculer/", views.campaign_recompute, name="campaign_recompute"),
    path("<int:pk>/export.<str:fmt>", views.campaign_workbook, name="campaign_workbook"),
    path("<int:pk>/export-<str:part>.csv", views.campaign_csv, name="campaign_csv"),
    path("bilans/<int:pk>/", views.bilan_review, name="bilan_review"),
    path("bilans/<int:pk>/valider/", views.bilan_validate, name="bilan_validate"),
    path("bilans/<int:pk>/renvoyer/", views.bilan_send_back, name="bilan_send_back"),
    path("bilans/<int:pk>/rouvrir/", views.bilan_reopen, name="bilan_reopen"),
    path("bilans/<int:pk>/exploitable/", views.bilan_usable, name="bilan_usable"),
    path("bilans/<int:pk>/reponses-relues/", views.bilan_answers_review, name="bilan_answers_review"),
    path("historique/", views.history_import, name="history_import"),
    path("historique/confirmer/", views.history_import_confirm, name="history_import_confirm"),
    path("historique/modele.<str:fmt>", views.history_template, name="history_template"),
    # Mediators
    path("mon-bilan/", views.my_bilans, name="my_bilans"),
    path("mon-bilan/<int:pk>/", views.bilan_edit, name="bilan_edit"),
    path("mon-bilan/<int:pk>/transmettre/", views.bilan_submit, name="bilan_submit"),
    path("mon-bilan/<int:pk>/recalculer/", views.bilan_recompute, name="bilan_recompute"),
]
