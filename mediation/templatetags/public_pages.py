"""What the footer, the referral form and its receipt e-mail say of the public pages, read from
mediation.operator (the settings): e-mails are rendered without a request, so without context
processors."""

from django import template

from mediation import operator

register = template.Library()


@register.simple_tag
def accessibility_status():
    return operator.ACCESSIBILITY_STATUS


@register.simple_tag
def retention():
    return operator.retention()


@register.simple_tag
def personal_data_url():
    return operator.personal_data_url()
