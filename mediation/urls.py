"""Root URL configuration. Every view declares its access rule (mediation.access)."""

from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from allauth.mfa import urls as mfa_urls
from django.contrib import admin
from django.urls import include, path, re_path

from . import health, views
from .access import ADMIN_SITE, AUTHENTICATED, declare_included

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Médiation santé — administration"
admin.site.site_title = "Médiation santé"

# The allauth pages we use, under French paths; sign-up and e-mail management are left out
# on purpose: accounts come from invitations and e-mails are managed by administrators.
account_patterns = [
    path("connexion/", account_views.login, name="account_login"),
    path("deconnexion/", account_views.logout, name="account_logout"),
    path("compte-inactif/", account_views.account_inactive, name="account_inactive"),
    path("confirmer/", account_views.reauthenticate, name="account_reauthenticate"),
    path("mot-de-passe/", account_views.password_change, name="account_change_password"),
    path("mot-de-passe/definir/", account_views.password_set, name="account_set_password"),
    path("mot-de-passe/oubli/", account_views.password_reset, name="account_reset_password"),
    path("mot-de-passe/oubli/envoye/", account_views.password_reset_done, name="account_reset_password_done"),
    re_path(
        r"^mot-de-passe/nouveau/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "mot-de-passe/nouveau/fait/",
        account_views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
]
declare_included(account_patterns, AUTHENTICATED)

admin_urls = admin.site.urls
declare_included(admin_urls[0], ADMIN_SITE)

core_patterns = [
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/nouvelle/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/annuler/", views.invitation_revoke, name="invitation_revoke"),
    # The posts register page shows the register's figures: its view is on the reporting floor.
    path("postes/", include("reporting.register_urls")),
    path("ma-structure/", views.structure_home, name="structure_home"),
    path("mon-compte/", views.my_account, name="my_account"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", health.health, name="health"),
    path("compte/", include(account_patterns)),
    path("compte/securite/", include(declare_included(mfa_urls.urlpatterns, AUTHENTICATED))),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("", include((core_patterns, "mediation"))),
    path("accompagnements/", include("accompaniments.urls")),
    path("partenaires/", include("partners.urls")),
    path("orientation/", include("partners.public_urls")),
    path("", include("mediation.page_urls")),
    path("bilans/", include("reporting.urls")),
    path("campagnes/", include("reporting.campaign_urls")),
    path("imports/", include("mediation.import_urls")),
    path("admin/", admin_urls),
]

handler403 = "mediation.views.permission_denied"
handler404 = "mediation.views.page_not_found"
handler500 = "mediation.views.server_error"
