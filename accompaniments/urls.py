from django.urls import path

from . import views

app_name = "accompaniments"

urlpatterns = [
    path("", views.home, name="home"),
]
