"""Included by accompaniments/urls.py: its names are in the "accompaniments" namespace."""

from django.urls import path

from . import personal_data_views

urlpatterns = [
    path("export/", personal_data_views.caseload_export, name="caseload_export"),
    path("export/<str:fmt>/", personal_data_views.caseload_download, name="caseload_download"),
    path("personnes/<int:pk>/donnees.<str:fmt>", personal_data_views.beneficiary_data, name="beneficiary_data"),
    path("personnes/<int:pk>/anonymiser/", personal_data_views.beneficiary_anonymise, name="beneficiary_anonymise"),
    path("personnes/a-anonymiser/", personal_data_views.retention_list, name="retention_list"),
]
