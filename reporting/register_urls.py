"""The posts register page, included by the root URL configuration among the core's pages
(no `app_name`): it keeps the path `/postes/` and the name `mediation:post_register` that
people and links know, while its view lives on the reporting floor with the figures it shows."""

from django.urls import path

from . import register_views

urlpatterns = [
    path("", register_views.post_register, name="post_register"),
]
