from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("bilan.json", views.bilan_json, name="bilan_json"),
    path("bilan.pdf", views.bilan_pdf, name="bilan_pdf"),
    path("bilan.<str:fmt>", views.bilan_workbook, name="bilan_workbook"),
    path("tableaux/<slug:key>.<str:fmt>", views.table_download, name="table_download"),
]
