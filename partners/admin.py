"""The directory and the activity records for administrators. Referrals and orientations hold a
person's data and are left out of the administration on purpose."""

from django.contrib import admin

from .models import ActionPartner, CollectiveAction, MediatorPartner, OutreachSession, Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "partner_type", "category", "department", "commune"]
    list_filter = ["department", "partner_type", "category"]
    search_fields = ["name"]
    autocomplete_fields = ["commune"]
    filter_horizontal = ["publics"]


@admin.register(MediatorPartner)
class MediatorPartnerAdmin(admin.ModelAdmin):
    list_display = ["partner", "mediator", "post", "since", "ended_on", "attends_bodies"]
    list_filter = ["attends_bodies", "post__department"]
    search_fields = ["partner__name", "mediator__email"]
    raw_id_fields = ["mediator", "partner", "post"]


@admin.register(OutreachSession)
class OutreachSessionAdmin(admin.ModelAdmin):
    list_display = ["date", "commune", "mediator", "post", "dwellings_visited", "people_met"]
    list_filter = ["post__department"]
    date_hierarchy = "date"
    raw_id_fields = ["mediator", "post", "commune", "qpv"]


class ActionPartnerInline(admin.TabularInline):
    model = ActionPartner
    raw_id_fields = ["partner"]
    extra = 0


@admin.register(CollectiveAction)
class CollectiveActionAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "role", "audience", "mediator", "post", "participants"]
    list_filter = ["role", "audience", "post__department"]
    date_hierarchy = "date"
    search_fields = ["title"]
    raw_id_fields = ["mediator", "post"]
    filter_horizontal = ["themes", "publics"]
    inlines = [ActionPartnerInline]
