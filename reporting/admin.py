"""The campaign's records in the administration: for reading. Bilans change only through the
campaign's pages, where every step is checked and logged; a validated bilan is locked for all."""

import datetime
import secrets

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html_join

from mediation.admin import ReadOnlyAdmin
from mediation.enums import Role
from mediation.models import Department
from mediation.perms import role_of

from .models import AnnualBilan, ApiToken, ApiTokenUse, BilanEvent, BilanFigure, Campaign, Edition, Publication
from .scope import scope_choices


class BilanFigureInline(admin.TabularInline):
    model = BilanFigure
    fields = ["key", "computed", "declared", "method"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class BilanEventInline(admin.TabularInline):
    model = BilanEvent
    fields = ["at", "by", "action", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["year", "scope_label", "imported", "deadline", "opened_by", "opened_at", "reminder_sent_at"]
    list_filter = ["year", "imported"]


@admin.register(AnnualBilan)
class AnnualBilanAdmin(ReadOnlyAdmin):
    list_display = ["year", "mediator", "post", "department", "post_type", "state", "usable", "submitted_at"]
    list_filter = ["year", "state", "usable", "department", "post_type"]
    search_fields = ["mediator__email", "mediator__last_name", "post__code", "import_key"]
    list_select_related = ["mediator", "post", "department"]
    inlines = [BilanFigureInline, BilanEventInline]

    def has_delete_permission(self, request, obj=None):
        """Only an imported bilan may be deleted (to import a corrected row again)."""
        return obj is not None and bool(obj.import_key) and request.user.is_superuser


@admin.register(Edition)
class EditionAdmin(ReadOnlyAdmin):
    """Published editions, for reading: they are published from the dashboard and never change."""

    list_display = ["year", "scope_label", "post_type", "version", "published_by", "published_at"]
    list_filter = ["year", "scope_kind", "post_type"]
    list_select_related = ["published_by"]
    fields = [
        "year",
        "scope_kind",
        "scope_code",
        "scope_label",
        "post_type",
        "version",
        "published_by",
        "published_at",
        "reason",
        "json_sha256",
        "pdf_sha256",
        "xlsx_sha256",
    ]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    """The requests to publish an edition, for reading: where each is, and why one failed."""

    list_display = ["year", "scope_label", "post_type", "version", "state", "requested_by", "requested_at"]
    list_filter = ["state", "year", "scope_kind", "post_type"]
    list_select_related = ["requested_by"]
    fields = [
        "year",
        "scope_kind",
        "scope_code",
        "scope_label",
        "post_type",
        "version",
        "reason",
        "requested_by",
        "requested_at",
        "state",
        "error",
        "started_at",
        "finished_at",
        "edition",
    ]


# ---------------------------------------------------------------- read-only API tokens


def _is_administrator(request):
    return request.user.is_active and (request.user.is_superuser or role_of(request.user) == Role.ADMIN)


class ApiTokenForm(forms.ModelForm):
    """A new token: who uses it, for which scope, until when (at most a year)."""

    scope = forms.ChoiceField(
        label="Territoire", help_text="Le jeton ne lit que le bilan de ce territoire et de ses parties."
    )

    class Meta:
        model = ApiToken
        fields = ["name", "expires_on"]
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = {c.key: c for c in scope_choices(Department.objects.all())}
        self.fields["scope"].choices = [(key, c.label) for key, c in self.choices.items()]
        self.fields["expires_on"].required = True

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError("La date d'expiration doit être après aujourd'hui.")
        if day > today + datetime.timedelta(days=ApiToken.MAX_DAYS):
            raise forms.ValidationError("Un jeton vaut au plus un an : choisissez une date plus proche.")
        return day


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators create a token (its secret shown once), see its uses and revoke it. Nobody
    edits or deletes one: its uses stay attached to it."""

    list_display = ["name", "scope_label", "prefix", "created_by", "created_at", "expires_on", "revoked_at", "state"]
    list_filter = ["revoked_at", "expires_on"]
    list_select_related = ["created_by"]
    actions = ["revoke"]
    readonly_fields = [
        "name",
        "scope_label",
        "prefix",
        "created_by",
        "created_at",
        "expires_on",
        "revoked_at",
        "revoked_by",
        "recent_uses",
    ]

    def has_module_permission(self, request):
        return _is_administrator(request)

    def has_view_permission(self, request, obj=None):
        return _is_administrator(request)

    def has_add_permission(self, request):
        return _is_administrator(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "scope", "expires_on"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description="état")
    def state(self, obj):
        if not obj.refusal():
            return "valide"
        return "révoqué" if obj.revoked_at else "expiré"

    @admin.display(description="dernières utilisations")
    def recent_uses(self, obj):
        uses = obj.uses.all()[:20]
        if not uses:
            return "Aucune."
        return format_html_join(
            "",
            "<div>{} — {} — {} — client {}</div>",
            ((timezone.localtime(u.at).strftime("%d/%m/%Y %H:%M:%S"), u.status, u.path, u.client[:8]) for u in uses),
        )

    def save_model(self, request, obj, form, change):
        """A new token: a random secret of 32 bytes, of which only the SHA-256 is stored."""
        import hashlib

        choice = form.choices[form.cleaned_data["scope"]]
        secret = secrets.token_urlsafe(32)
        obj.scope_kind, obj.scope_code, obj.scope_label = choice.kind, choice.code, choice.label
        obj.token_hash = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        obj.prefix = secret[:8]
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        obj.secret = secret  # for response_add only: never stored

    def response_add(self, request, obj, post_url_continue=None):
        """The one page that shows the secret."""
        context = {**self.admin_site.each_context(request), "token": obj, "secret": obj.secret, "opts": self.opts}
        response = TemplateResponse(request, "reporting/api/token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Révoquer les jetons choisis")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=request.user)
        messages.success(request, f"{count} jeton(s) révoqué(s) : ils ne donnent plus accès à l'API.")


@admin.register(ApiTokenUse)
class ApiTokenUseAdmin(ReadOnlyAdmin):
    """Each request made with a token, for reading: when, what, the answer, the client's hash."""

    list_display = ["at", "token", "path", "status", "client"]
    list_filter = ["status", "token"]
    list_select_related = ["token"]

    def has_module_permission(self, request):
        return _is_administrator(request)

    def has_view_permission(self, request, obj=None):
        return _is_administrator(request)
