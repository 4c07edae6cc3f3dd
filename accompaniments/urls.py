from django.urls import include, path

from . import beneficiary_views, follow_up_export, views

app_name = "accompaniments"

urlpatterns = [
    # Daily work (views.py)
    path("", views.home, name="home"),
    path("a-relancer/", views.follow_ups, name="follow_ups"),
    path("a-relancer/semaine.<str:fmt>", follow_up_export.follow_up_download, name="follow_up_export"),
    path("fiches/nouvelle/", views.sheet_create, name="sheet_create"),
    path("fiches/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("fiches/<int:pk>/modifier/", views.sheet_update, name="sheet_update"),
    path("fiches/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("fiches/demande-vide/", views.request_form_row, name="request_form_row"),
    path("demandes/<int:pk>/cloturer/", views.request_close, name="request_close"),
    # People (beneficiary_views.py)
    path("personnes/", beneficiary_views.beneficiary_list, name="beneficiary_list"),
    path("personnes/recherche/<str:token>/", beneficiary_views.beneficiary_search, name="beneficiary_search"),
    path("personnes/nouvelle/", beneficiary_views.beneficiary_create, name="beneficiary_create"),
    path("personnes/doublons/", beneficiary_views.duplicate_pairs, name="duplicate_pairs"),
    path("personnes/doublons/distinctes/", beneficiary_views.duplicate_pair_distinct, name="duplicate_pair_distinct"),
    path("personnes/<int:pk>/", beneficiary_views.beneficiary_detail, name="beneficiary_detail"),
    path("personnes/<int:pk>/modifier/", beneficiary_views.beneficiary_update, name="beneficiary_update"),
    path("personnes/<int:pk>/fusionner/", beneficiary_views.beneficiary_merge, name="beneficiary_merge"),
    path("personnes/<int:pk>/journal/", beneficiary_views.beneficiary_log, name="beneficiary_log"),
    path("transfert-de-suivi/", beneficiary_views.caseload_transfer, name="caseload_transfer"),
    path("", include("accompaniments.personal_data_urls")),
]
