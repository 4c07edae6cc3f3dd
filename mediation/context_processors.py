from django.urls import reverse

from . import perms
from .enums import Role

# The main menu of each role: an entry is (label, URL name), or (label, [entries]) for a
# drop-down group, so that a long menu stays on one line.
ACTIVITY = [
    ("Partenaires", "partners:my_partners"),
    ("Aller-vers", "partners:outreach_list"),
    ("Actions collectives", "partners:action_list"),
]
NAVIGATION = {
    Role.MEDIATOR: [
        ("Mes accompagnements", "accompaniments:home"),
        ("À relancer", "accompaniments:follow_ups"),
        ("Personnes", "accompaniments:beneficiary_list"),
        ("Orientations reçues", "partners:referral_inbox"),
        (
            "Mon activité",
            [
                *ACTIVITY,
                ("Exporter mes fiches", "accompaniments:caseload_export"),
                ("Récapitulatif par courriel", "partners:digest_settings"),
            ],
        ),
        ("Mon bilan annuel", "campaigns:my_bilans"),
    ],
    Role.STRUCTURE_MANAGER: [
        ("Ma structure", "mediation:structure_home"),
        ("Accompagnements", "accompaniments:home"),
        ("À relancer", "accompaniments:follow_ups"),
        ("Personnes", "accompaniments:beneficiary_list"),
        ("Orientations reçues", "partners:referral_inbox"),
        (
            "Activité de la structure",
            [
                ("Annuaire des partenaires", "partners:partner_list"),
                ("Aller-vers", "partners:outreach_list"),
                ("Actions collectives", "partners:action_list"),
                ("Doublons probables", "accompaniments:duplicate_pairs"),
                ("Transfert de suivi", "accompaniments:caseload_transfer"),
                ("Exporter les fiches", "accompaniments:caseload_export"),
            ],
        ),
    ],
    Role.COORDINATOR: [
        ("Tableau de bord", "reporting:dashboard"),
        ("Mois par mois", "reporting:monthly_activity"),
        ("Campagnes de bilans", "campaigns:campaign_list"),
        ("Postes", "mediation:post_register"),
        ("Orientations à attribuer", "partners:referral_routing"),
        (
            "Administration",
            [
                ("Invitations", "mediation:invitation_list"),
                ("Annuaire des partenaires", "partners:partner_list"),
                ("Imports", "imports:list"),
            ],
        ),
    ],
    Role.READER: [("Tableau de bord", "reporting:dashboard")],
}
NAVIGATION[Role.ADMIN] = NAVIGATION[Role.COORDINATOR]


def _entries(entries, path):
    items = []
    for label, target in entries:
        if isinstance(target, list):
            children = _entries(target, path)
            items.append({"label": label, "children": children, "current": any(c["current"] for c in children)})
        else:
            url = reverse(target)
            items.append({"label": label, "url": url, "current": path == url})
    return items


def navigation(request):
    """The main menu of the current role, with the entry of the current page marked."""
    user = getattr(request, "user", None)
    role = perms.role_of(user) if user is not None else None
    membership = perms.membership_of(user) if user is not None else None
    return {
        "nav_items": _entries(NAVIGATION.get(role, []), request.path),
        "current_role_label": membership.get_role_display() if membership else "",
        "current_scope_label": membership.scope_label if membership else "",
        "is_admin_site_user": bool(user and user.is_authenticated and user.is_staff),
    }


def csp_nonce(request):
    """Draw this response's CSP nonce up front: django-dsfr's script tag only carries a nonce
    that has already been drawn, and a nonce drawn during rendering must reach the header."""
    nonce = getattr(request, "csp_nonce", None)
    return {"csp_nonce": str(nonce) if nonce is not None else ""}
