"""The referrals waiting for the signed-in mediator (or structure manager), for pages of lower
apps (the home page of accompaniments) that must not import partners: they load this library."""

from django import template
from django.db.models import Count, Min
from django.utils import timezone

from mediation.enums import Role
from mediation.perms import role_of

from ..models import Referral

register = template.Library()


@register.inclusion_tag("partners/referral_waiting_notice.html", takes_context=True)
def referrals_waiting(context):
    user = context["request"].user
    if role_of(user) not in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
        return {"count": 0}
    found = Referral.objects.for_user(user).pending().aggregate(count=Count("pk"), oldest=Min("received_at"))
    days = (timezone.localdate() - timezone.localdate(found["oldest"])).days if found["count"] else 0
    return {"count": found["count"], "oldest_days": days}
