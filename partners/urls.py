from django.urls import path

from . import activity_views, digest_views, referral_views, views

app_name = "partners"

urlpatterns = [
    # Directory and my partners (views.py)
    path("", views.partner_list, name="partner_list"),
    path("nouveau/", views.partner_create, name="partner_create"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/modifier/", views.partner_update, name="partner_update"),
    path("mes-partenaires/", views.my_partners, name="my_partners"),
    path("mes-partenaires/ajouter/", views.my_partner_add, name="my_partner_add"),
    path("mes-partenaires/<int:pk>/modifier/", views.my_partner_update, name="my_partner_update"),
    path("mes-partenaires/<int:pk>/retirer/", views.my_partner_remove, name="my_partner_remove"),
    # Orientations out of a sheet (views.py)
    path("orientations/nouvelle/", views.orientation_create, name="orientation_create"),
    path("orientations/<int:pk>/suite/", views.orientation_update, name="orientation_update"),
    # Referrals in (referral_views.py)
    path("orientations-recues/", referral_views.referral_inbox, name="referral_inbox"),
    path("orientations-recues/<int:pk>/", referral_views.referral_detail, name="referral_detail"),
    path("orientations-recues/<int:pk>/accepter/", referral_views.referral_accept, name="referral_accept"),
    path("orientations-recues/<int:pk>/decliner/", referral_views.referral_decline, name="referral_decline"),
    path("orientations-recues/<int:pk>/confier/", referral_views.referral_hand_over, name="referral_hand_over"),
    path(
        "orientations-recues/<int:pk>/premier-contact/",
        referral_views.referral_first_contact,
        name="referral_first_contact",
    ),
    path("orientations-a-attribuer/", referral_views.referral_routing, name="referral_routing"),
    path("orientations-a-attribuer/<int:pk>/", referral_views.referral_assign, name="referral_assign"),
    path("recapitulatif-par-courriel/", digest_views.digest_settings, name="digest_settings"),
    # Outreach and collective actions (activity_views.py)
    path("aller-vers/", activity_views.outreach_list, name="outreach_list"),
    path("aller-vers/nouvelle/", activity_views.outreach_create, name="outreach_create"),
    path("aller-vers/<int:pk>/", activity_views.outreach_detail, name="outreach_detail"),
    path("aller-vers/<int:pk>/modifier/", activity_views.outreach_update, name="outreach_update"),
    path("actions-collectives/", activity_views.action_list, name="action_list"),
    path("actions-collectives/nouvelle/", activity_views.action_create, name="action_create"),
    path("actions-collectives/<int:pk>/", activity_views.action_detail, name="action_detail"),
    path("actions-collectives/<int:pk>/modifier/", activity_views.action_update, name="action_update"),
]
