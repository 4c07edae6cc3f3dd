"""The last day of the week the « À relancer » export covers, for its page (the view belongs
to accompaniments.views; the export to accompaniments.follow_up_export)."""

from django import template
from django.utils import timezone

from ..follow_up_export import week_bounds

register = template.Library()


@register.simple_tag
def follow_up_week_end():
    return week_bounds(timezone.localdate())[1]
