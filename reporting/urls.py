from django.urls import path

from . import api, edition_views, monthly_views, views

app_name = "reporting"

urlpatterns = [
    # The bilan JSON for machines, with a read-only bearer token (docs/api.md).
    path("api/v1/bilan.json", api.bilan_json, name="api_bilan_json"),
    path("", views.dashboard, name="dashboard"),
    path("mois-par-mois/", monthly_views.monthly, name="monthly_activity"),
    path("bilan.json", views.bilan_json, name="bilan_json"),
    path("bilan.pdf", views.bilan_pdf, name="bilan_pdf"),
    path("bilan.<str:fmt>", views.bilan_workbook, name="bilan_workbook"),
    path("tableaux/<slug:key>.<str:fmt>", views.table_download, name="table_download"),
    path("editions/", edition_views.edition_list, name="edition_list"),
    path("editions/publier/", edition_views.edition_publish, name="edition_publish"),
    path("editions/<int:pk>/bilan.<str:fmt>", edition_views.edition_file, name="edition_file"),
    # The public edition, without an account (open data): one edition's files, then the latest's.
    path(
        "donnees/bilan-<int:year>-<slug:kind>-<slug:code>-edition-<int:version>.<str:fmt>",
        edition_views.public_file,
        name="public_edition_file",
    ),
    path("donnees/bilan-<int:year>-<slug:kind>-<slug:code>.<str:fmt>", edition_views.public_file, name="public_file"),
]
