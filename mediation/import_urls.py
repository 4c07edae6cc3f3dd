from django.urls import path

from . import import_views

app_name = "imports"

urlpatterns = [
    path("", import_views.import_list, name="list"),
    path("suivi/<int:pk>/", import_views.import_run, name="run"),
    path("<slug:kind>/", import_views.import_upload, name="upload"),
    path("<slug:kind>/verification/", import_views.import_review, name="review"),
    path("<slug:kind>/annuler/", import_views.import_cancel, name="cancel"),
]
