"""« Récapitulatif par courriel »: a mediator chooses whether she receives the digest e-mail
(partners.digest), daily or on Mondays. Only mediators: the digest counts her own caseload and
the referrals of the posts she holds, which a structure manager has not (she sees the
structure's on « À relancer » and « Orientations reçues »)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from dsfr.forms import DsfrBaseForm

from mediation.access import for_roles
from mediation.breadcrumbs import breadcrumb
from mediation.enums import Role

from .enums import DigestFrequency
from .models import DigestSubscription

WHEN_SOMETHING_WAITS = "où une relance ou une orientation vous attend."
SAVED = {
    DigestFrequency.NONE: "C'est noté : vous ne recevrez pas de récapitulatif par courriel.",
    DigestFrequency.DAILY: f"C'est noté : vous recevrez un récapitulatif chaque matin {WHEN_SOMETHING_WAITS}",
    DigestFrequency.WEEKLY: f"C'est noté : vous recevrez un récapitulatif chaque lundi {WHEN_SOMETHING_WAITS}",
}


class DigestSubscriptionForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = DigestSubscription
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}
        labels = {"frequency": "Recevoir un récapitulatif par courriel"}
        help_texts = {
            "frequency": "Le nombre de demandes à relancer et d'orientations reçues en attente, avec les liens pour "
            "les voir. Aucun nom ni aucune information sur les personnes."
        }


@require_http_methods(["GET", "POST"])
@for_roles(Role.MEDIATOR)
def digest_settings(request):
    subscription = DigestSubscription.objects.filter(user=request.user).first() or DigestSubscription(user=request.user)
    form = DigestSubscriptionForm(request.POST or None, instance=subscription)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, SAVED[form.instance.frequency])
        return redirect("partners:digest_settings")
    return render(
        request,
        "partners/notifications.html",
        {"form": form, "breadcrumb_data": breadcrumb("Récapitulatif par courriel")},
    )
