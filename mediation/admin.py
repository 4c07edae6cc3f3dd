from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone

from . import operations
from .models import (
    AccountEvent,
    Commune,
    Department,
    FormerCommuneCode,
    Heartbeat,
    Invitation,
    JobRun,
    Membership,
    OutgoingEmail,
    Post,
    PostHolding,
    Qpv,
    QpvPopulation,
    Region,
    Structure,
    Territory,
    User,
    VocabularyItem,
)
from .tasks import retry_failed_emails


class MembershipInline(admin.StackedInline):
    model = Membership
    filter_horizontal = ["departments"]
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "membership__role"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name"]}),
        ("Accès", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "order"]
    list_filter = ["region"]


class QpvPopulationInline(admin.TabularInline):
    """The department's QPV population, one figure per year (docs/qpv.md)."""

    model = QpvPopulation
    extra = 1
    ordering = ["-year"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "territory", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    inlines = [QpvPopulationInline]


@admin.register(QpvPopulation)
class QpvPopulationAdmin(admin.ModelAdmin):
    list_display = ["department", "year", "population"]
    list_filter = ["year", "department__region", "department"]
    search_fields = ["department__code", "department__name"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code", "department", "population", "postal_codes"]
    list_filter = ["department"]
    search_fields = ["name", "insee_code"]
    list_select_related = ["department"]


@admin.register(Qpv)
class QpvAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "department"]
    list_filter = ["department"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["communes"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commune", "is_active"]
    list_filter = ["kind", "is_active", "commune__department"]
    search_fields = ["name"]
    autocomplete_fields = ["commune"]


class PostHoldingInline(admin.TabularInline):
    model = PostHolding
    extra = 0
    autocomplete_fields = ["mediator"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["code", "structure", "department", "post_type", "funding", "start_date", "end_date"]
    list_filter = ["department", "post_type", "funding"]
    search_fields = ["code", "structure__name"]
    autocomplete_fields = ["structure", "communes", "qpvs"]
    inlines = [PostHoldingInline]


@admin.register(VocabularyItem)
class VocabularyItemAdmin(admin.ModelAdmin):
    list_display = ["label", "vocabulary", "code", "order", "is_active"]
    list_filter = ["vocabulary", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["label", "code"]

    def get_changelist_form(self, request, **kwargs):
        """The fields edited in the list have no label of their own (the column header names them):
        each says what it is and for which value, for screen readers."""
        base = super().get_changelist_form(request, **kwargs)

        class LabelledRow(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for name in ("order", "is_active"):
                    label = f"{self.fields[name].label} — {self.instance.label}"
                    self.fields[name].widget.attrs["aria-label"] = label

        return LabelledRow

    def has_delete_permission(self, request, obj=None):
        # A value is retired (is_active) rather than deleted, so that old records still read.
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["vocabulary", "code"] if obj else []


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = ["token_digest", "created_at", "accepted_at", "user", "invited_by"]

    def has_add_permission(self, request):
        return False  # invitations are sent from the app, which e-mails the link


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody adds, edits or deletes, superusers included (audit trails, job runs)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FormerCommuneCode)
class FormerCommuneCodeAdmin(ReadOnlyAdmin):
    """The former codes of merged communes, as the geography file gives them."""

    list_display = ["code", "name", "commune"]
    search_fields = ["code", "name", "commune__name", "commune__insee_code"]
    list_select_related = ["commune"]


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    """The accounts' audit trail, for reading only: nobody adds, changes or deletes an entry,
    superusers included (the purge command alone removes them after the retention period)."""

    list_display = ["timestamp", "kind", "actor", "account", "remote_addr"]
    list_filter = ["kind"]
    list_select_related = ["actor", "account"]
    date_hierarchy = "timestamp"
    fields = ["timestamp", "kind", "actor_id", "account_id", "remote_addr", "details"]
    readonly_fields = fields


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """What the daily jobs did (mediation.operations), for reading only; a warning names each
    job without a successful run in the last 48 hours."""

    list_display = ["job", "started_at", "finished_at", "succeeded", "counts", "error"]
    list_filter = ["job", "succeeded"]
    date_hierarchy = "started_at"
    fields = list_display
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        for job, last_success in operations.overdue_jobs():
            since = (
                f"dernier passage réussi le {timezone.localtime(last_success):%d/%m/%Y à %H:%M}"
                if last_success
                else "aucun passage réussi enregistré"
            )
            self.message_user(
                request,
                f"La tâche « {job.label} » ({job.name}) n'a pas réussi depuis plus de 48 heures ({since}) : "
                "vérifiez que le planificateur tourne (docs/exploitation.md).",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "beaten_at"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """The queued e-mails, for reading only: recipients, kind, dates and error, never the content.
    Those that failed for good (the default filter of the menu link) can be sent again."""

    list_display = ["created_at", "kind", "recipients", "status", "attempts", "last_error"]
    list_filter = ["status"]
    search_fields = ["recipients"]
    date_hierarchy = "created_at"
    fields = ["kind", "recipients", "status", "created_at", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields
    actions = ["retry"]

    @admin.action(description="Renvoyer les e-mails en échec définitif sélectionnés", permissions=["view"])
    def retry(self, request, queryset):
        count = retry_failed_emails(queryset)
        self.message_user(request, f"{count} e-mail(s) remis dans la file d'envoi.", messages.SUCCESS)
