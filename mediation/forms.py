from django import forms
from django.contrib.auth import password_validation
from dsfr.forms import DsfrBaseForm

from . import perms
from .enums import STRUCTURE_ROLES, TERRITORY_ROLES, Role
from .idempotency import SubmissionKeyFormMixin
from .models import Department, Post, Region, Structure, User
from .text import NameField


class InvitationForm(SubmissionKeyFormMixin, DsfrBaseForm):
    """Whom to invite, with which role and scope. Choices are limited to the inviter's scope
    and checked again in clean(): a tampered form cannot widen anybody's rights."""

    email = forms.EmailField(label="Adresse e-mail")
    first_name = NameField(label="Prénom", max_length=150, required=False)
    last_name = NameField(label="Nom", max_length=150, required=False)
    role = forms.ChoiceField(label="Rôle")
    structure = forms.ModelChoiceField(
        label="Structure",
        queryset=Structure.objects.none(),
        required=False,
        empty_label="Aucune structure",
        help_text="Pour un·e médiateur·rice ou un·e encadrant·e.",
    )
    post = forms.ModelChoiceField(
        label="Poste",
        queryset=Post.objects.none(),
        required=False,
        empty_label="Aucun poste",
        help_text="Pour un·e médiateur·rice : le poste pris à l'acceptation (il doit être libre).",
    )
    region = forms.ModelChoiceField(
        label="Toute la région",
        queryset=Region.objects.none(),
        required=False,
        empty_label="Non : des départements",
        help_text="Pour un·e coordinateur·rice ou un·e lecteur·rice régional·e.",
    )
    departments = forms.ModelMultipleChoiceField(
        label="Départements",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pour un rôle départemental : un ou plusieurs départements.",
    )

    def __init__(self, *args, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        self.inviter = inviter
        self.fields["role"].choices = [("", "Choisir un rôle")] + [
            (r.value, r.label) for r in perms.invitable_roles(inviter)
        ]
        self.fields["structure"].queryset = Structure.objects.for_user(inviter).select_related("commune")
        self.fields["post"].queryset = Post.objects.for_user(inviter).select_related("structure")
        self.fields["departments"].queryset = Department.objects.for_user(inviter)
        membership = perms.membership_of(inviter)
        if membership.role == Role.ADMIN:
            self.fields["region"].queryset = Region.objects.all()
        elif membership.region_id:
            self.fields["region"].queryset = Region.objects.filter(pk=membership.region_id)
        else:
            del self.fields["region"]
        # The account behind the e-mail when it awaits its invitation (an imported post holder).
        self.account = None

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if not User.objects.filter(email__iexact=email).exists():
            return email
        # An existing account is invitable only while it awaits its invitation, and only by someone
        # whose scope holds its structure; anyone else learns no more than before.
        self.account = (
            User.objects.for_user(self.inviter)
            .awaiting_invitation()
            .select_related("membership__structure")
            .filter(email__iexact=email)
            .first()
        )
        if self.account is None:
            raise forms.ValidationError("Un compte existe déjà avec cette adresse e-mail.")
        return email

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if not role:
            return data
        structure, post = data.get("structure"), data.get("post")
        region, departments = data.get("region"), list(data.get("departments") or [])
        if self.account is not None:
            self.check_account_role(role, structure)
        if role in STRUCTURE_ROLES:
            if structure is None:
                self.add_error("structure", "Choisissez la structure de rattachement.")
            if region or departments:
                self.add_error("departments", "Ce rôle porte sur une structure, pas sur un territoire.")
            if post is not None:
                if role != Role.MEDIATOR:
                    self.add_error("post", "Seul·e un·e médiateur·rice tient un poste.")
                elif structure is not None and post.structure_id != structure.pk:
                    self.add_error("post", "Ce poste n'appartient pas à la structure choisie.")
                elif self.account is not None:
                    self.check_account_post(post)
                elif post.holdings.filter(end_date__isnull=True).exists():
                    self.add_error("post", "Ce poste a déjà un·e titulaire : faites d'abord la passation.")
        elif role in TERRITORY_ROLES:
            if structure or post:
                self.add_error("structure", "Ce rôle porte sur un territoire, pas sur une structure.")
            if bool(region) == bool(departments):
                self.add_error("departments", "Choisissez soit toute la région, soit un ou plusieurs départements.")
        elif structure or post or region or departments:
            self.add_error("role", "Un·e administrateur·rice n'a pas de périmètre à choisir.")
        if not self.errors and not perms.may_invite(
            self.inviter, role=role, structure=structure, region=region, departments=departments
        ):
            raise forms.ValidationError("Vous ne pouvez pas inviter sur ce rôle ou ce périmètre.")
        return data

    def check_account_role(self, role, structure):
        """An account awaiting its invitation keeps the role and structure it already has."""
        membership = self.account.membership
        if role != membership.role or structure != membership.structure:
            self.add_error(
                None,
                f"Le compte {self.account.email} existe déjà : {membership.get_role_display().lower()} de la "
                f"structure « {membership.structure} ». Invitez-le avec ce rôle et cette structure.",
            )

    def check_account_post(self, post):
        """No post is needed: the account keeps the posts it holds. One chosen must be one of them."""
        held = [h.post for h in self.account.post_holdings.filter(end_date__isnull=True).select_related("post")]
        if post in held:
            return
        if held:
            codes = ", ".join(p.code for p in held)
            message = f"Ce compte tient déjà le poste {codes} : choisissez-le ou laissez « Aucun poste »."
        else:
            message = "Ce compte ne tient aucun poste : laissez « Aucun poste »."
        self.add_error("post", message)


class AcceptInvitationForm(DsfrBaseForm):
    first_name = NameField(label="Prénom", max_length=150)
    last_name = NameField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="12 caractères au moins ; évitez un mot de passe courant ou proche de votre nom.",
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["first_name"].initial = invitation.first_name
        self.fields["last_name"].initial = invitation.last_name

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        elif p1:
            candidate = User(
                email=self.invitation.email, first_name=data.get("first_name", ""), last_name=data.get("last_name", "")
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
