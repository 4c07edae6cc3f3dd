"""Create the first administrator of a new server: an invitation, printed as a link.

    python manage.py create_first_admin --email prenom.nom@ars.sante.fr [--first-name P] [--last-name N]
    docker compose exec web python manage.py create_first_admin --email …

The person opens the link, chooses a password, then sets up the second factor (required for
administrators), as everyone invited from the web pages does. Only the link goes to standard
output (one line, so that a script can read it); what it is and until when it works goes to
standard error. Nothing is e-mailed: a fresh server may not send e-mail yet, hand the link over
yourself. Run again for the same address while the invitation is unused: the old link stops
working and a fresh one is printed. Refused (exit status 1) for an address that already has an
account, and while an administrator is active unless --additional-admin is given: the next
administrators and the coordinators are invited from the site's Invitations page.
Every step is written to the accounts' audit trail (invitation sent, revoked, accepted, role given).
"""

from django import forms
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mediation import services
from mediation.text import NameField


class FirstAdminForm(forms.Form):
    email = forms.EmailField(error_messages={"invalid": "Adresse e-mail invalide."})
    first_name = NameField(max_length=150, required=False)
    last_name = NameField(max_length=150, required=False)


class Command(BaseCommand):
    help = "Crée l'invitation du premier compte d'administrateur·rice et affiche son lien à usage unique."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="adresse e-mail de la personne")
        parser.add_argument("--first-name", default="", help="prénom (modifiable par la personne)")
        parser.add_argument("--last-name", default="", help="nom (modifiable par la personne)")
        parser.add_argument(
            "--additional-admin",
            action="store_true",
            help="créer l'invitation même si un·e administrateur·rice actif·ve existe déjà",
        )

    def handle(self, *args, email, first_name, last_name, additional_admin, **options):
        site_url = settings.SITE_URL.strip()
        if not site_url:
            raise CommandError(
                "Indiquez l'adresse du site dans la variable d'environnement SITE_URL (par exemple "
                "https://mediation.example.fr) : le lien d'invitation est construit sur elle."
            )
        form = FirstAdminForm({"email": email.strip(), "first_name": first_name, "last_name": last_name})
        if not form.is_valid():
            problems = [f"{name} : {' '.join(errors)}" for name, errors in form.errors.items()]
            raise CommandError(f"Adresse e-mail invalide ou nom refusé — {' ; '.join(problems)}")
        data = form.cleaned_data
        try:
            invitation, link, revoked = services.invite_first_admin(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                base_url=site_url,
                additional=additional_admin,
            )
        except services.FirstAdminRefused as refused:
            raise CommandError(str(refused)) from refused
        if revoked:
            self.stderr.write(
                f"Une invitation était déjà en attente pour {invitation.email} : elle est annulée, son lien ne "
                "fonctionne plus. Voici le nouveau."
            )
        expires = timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y à %H:%M")
        self.stderr.write(
            f"Invitation d'administrateur·rice créée pour {invitation.email}. Lien à usage unique, valable "
            f"jusqu'au {expires} : la personne y choisit son mot de passe, puis active la double "
            "authentification (obligatoire pour ce rôle). Le lien n'est pas envoyé par e-mail : "
            "transmettez-le par un canal sûr."
        )
        self.stdout.write(link)
