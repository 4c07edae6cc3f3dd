"""The campaign's records in the administration: for reading. Bilans change only through the
campaign's pages, where every step is checked and logged; a validated bilan is locked for all."""

from django.contrib import admin

from mediation.admin import ReadOnlyAdmin

from .models import AnnualBilan, BilanEvent, BilanFigure, Campaign, Edition


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
