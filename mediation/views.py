from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import perms, services
from .access import authenticated, for_roles, public
from .enums import Role
from .forms import AcceptInvitationForm, InvitationForm
from .idempotency import save_once
from .models import Invitation, Membership, Post, PostHolding, User

# Longest id accepted from a query string (a 64-bit integer has 19 digits).
MAX_ID_DIGITS = 18

HOME_BY_ROLE = {
    Role.MEDIATOR: "accompaniments:home",
    Role.STRUCTURE_MANAGER: "mediation:structure_home",
    Role.COORDINATOR: "mediation:post_register",
    Role.READER: "reporting:dashboard",
    Role.ADMIN: "mediation:post_register",
}


@authenticated
def home(request):
    role = perms.role_of(request.user)
    if role is None:
        return render(request, "mediation/no_role.html", status=403)
    return redirect(HOME_BY_ROLE[role])


@authenticated
def my_account(request):
    from allauth.mfa.utils import is_mfa_enabled

    return render(
        request,
        "mediation/my_account.html",
        {
            "membership": request.membership,
            "mfa_enabled": is_mfa_enabled(request.user),
            "mfa_required": perms.requires_mfa(request.user),
            "holdings": request.user.post_holdings.select_related("post__structure").order_by("-start_date"),
        },
    )


@for_roles(Role.STRUCTURE_MANAGER)
def structure_home(request):
    structure = request.membership.structure
    today = timezone.localdate()
    posts = (
        Post.objects.for_user(request.user)
        .select_related("department")
        .prefetch_related(
            Prefetch("holdings", queryset=PostHolding.objects.select_related("mediator").order_by("-start_date"))
        )
    )
    members = Membership.objects.filter(structure=structure).select_related("user").order_by("role", "user__last_name")
    return render(
        request,
        "mediation/structure_home.html",
        {"structure": structure, "posts": posts, "members": members, "today": today},
    )


def accounts_to_invite(user):
    """The accounts awaiting their invitation (imported post holders) in the scope of `user`,
    with their structure and the posts they hold (`open_holdings`)."""
    return (
        User.objects.for_user(user)
        .awaiting_invitation()
        .select_related("membership__structure")
        .prefetch_related(
            Prefetch(
                "post_holdings",
                queryset=PostHolding.objects.filter(end_date__isnull=True).select_related("post"),
                to_attr="open_holdings",
            )
        )
    )


@for_roles(Role.COORDINATOR, Role.ADMIN)
def invitation_list(request):
    invitations = (
        Invitation.objects.for_user(request.user)
        .select_related("structure", "region", "post", "invited_by")
        .prefetch_related("departments")
    )
    page = Paginator(invitations, 50).get_page(request.GET.get("page"))
    pending = Invitation.objects.pending().filter(email__iexact=OuterRef("email"))
    accounts = (
        accounts_to_invite(request.user)
        .annotate(invitation_pending=Exists(pending))
        .order_by("membership__structure__name", "email")
    )
    return render(request, "mediation/invitation_list.html", {"page": page, "accounts": accounts})


def _account_to_invite(request):
    """The account named by `?compte=<id>` when the form opens from the list of accounts to
    invite: one in the inviter's scope awaiting its invitation, otherwise a 404."""
    pk = request.GET.get("compte", "")
    if not pk:
        return None
    if not (pk.isascii() and pk.isdigit() and len(pk) <= MAX_ID_DIGITS):
        raise Http404
    return get_object_or_404(accounts_to_invite(request.user), pk=pk)


@for_roles(Role.COORDINATOR, Role.ADMIN)
def invitation_create(request):
    account = _account_to_invite(request)
    initial = {}
    if account is not None:
        initial = {
            "email": account.email,
            "first_name": account.first_name,
            "last_name": account.last_name,
            "role": account.membership.role,
            "structure": account.membership.structure_id,
        }
    form = InvitationForm(request.POST or None, inviter=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def invite(key):
            invitation, _link = services.invite(
                by=request.user,
                base_url=request.build_absolute_uri("/"),
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                structure=data.get("structure"),
                post=data.get("post"),
                region=data.get("region"),
                departments=data.get("departments") or [],
                submission_key=key,
            )
            return invitation

        invitation, sent = save_once(Invitation.objects.for_user(request.user), form.submission_key, invite)
        if sent:
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
        else:
            messages.info(
                request, f"L'invitation de {invitation.email} était déjà envoyée (formulaire envoyé deux fois)."
            )
        return redirect("mediation:invitation_list")
    return render(request, "mediation/invitation_form.html", {"form": form, "account": account})


@require_POST
@for_roles(Role.COORDINATOR, Role.ADMIN)
def invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation.objects.for_user(request.user).pending(), pk=pk)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    messages.success(request, f"L'invitation de {invitation.email} est annulée : le lien ne fonctionne plus.")
    return redirect("mediation:invitation_list")


@public
def invitation_accept(request, token):
    if request.user.is_authenticated:
        messages.info(request, "Vous êtes déjà connecté·e : déconnectez-vous pour accepter une autre invitation.")
        return redirect("home")
    try:
        invitation = services.find_usable_invitation(token)
    except services.InvitationUnusable:
        return render(request, "mediation/invitation_unusable.html", status=410)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationUnusable:
            return render(request, "mediation/invitation_unusable.html", status=410)
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, "Bienvenue ! Votre compte est créé.")
        return HttpResponseRedirect(reverse("home"))
    return render(request, "mediation/invitation_accept.html", {"form": form, "invitation": invitation})


# ---------------------------------------------------------------- error pages


def permission_denied(request, exception=None):
    """A person without any role is told what to do (the same page as her home), not only "no"."""
    if request.user.is_authenticated and perms.role_of(request.user) is None:
        return render(request, "mediation/no_role.html", status=403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """A form refused for its CSRF token: said in French, without the technical reason."""
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    # No request context: the database may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
