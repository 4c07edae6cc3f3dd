from django.urls import reverse

from . import perms
from .enums import Role

NAVIGATION = {
    Role.MEDIATOR: [
        ("Mes accompagnements", "accompaniments:home"),
        ("À relancer", "accompaniments:follow_ups"),
        ("Personnes", "accompaniments:beneficiary_list"),
        ("Mon bilan annuel", "campaigns:my_bilans"),
    ],
    Role.STRUCTURE_MANAGER: [
        ("Ma structure", "mediation:structure_home"),
        ("Personnes", "accompaniments:beneficiary_list"),
        ("Transfert de suivi", "accompaniments:caseload_transfer"),
    ],
    Role.COORDINATOR: [
        ("Postes", "mediation:post_register"),
        ("Tableau de bord", "reporting:dashboard"),
        ("Campagnes de bilans", "campaigns:campaign_list"),
        ("Invitations", "mediation:invitation_list"),
    ],
    Role.READER: [("Tableau de bord", "reporting:dashboard")],
    Role.ADMIN: [
        ("Postes", "mediation:post_register"),
        ("Tableau de bord", "reporting:dashboard"),
        ("Campagnes de bilans", "campaigns:campaign_list"),
        ("Invitations", "mediation:invitation_list"),
    ],
}


def navigation(request):
    """The main menu of the current role, with the entry of the current page marked."""
    user = getattr(request, "user", None)
    role = perms.role_of(user) if user is not None else None
    items = []
    for label, url_name in NAVIGATION.get(role, []):
        url = reverse(url_name)
        items.append({"label": label, "url": url, "current": request.path == url})
    membership = perms.membership_of(user) if user is not None else None
    return {
        "nav_items": items,
        "current_role_label": membership.get_role_display() if membership else "",
        "current_scope_label": membership.scope_label if membership else "",
        "is_admin_site_user": bool(user and user.is_authenticated and user.is_staff),
    }


def csp_nonce(request):
    """Draw this response's CSP nonce up front: django-dsfr's script tag only carries a nonce
    that has already been drawn, and a nonce drawn during rendering must reach the header."""
    nonce = getattr(request, "csp_nonce", None)
    return {"csp_nonce": str(nonce) if nonce is not None else ""}
