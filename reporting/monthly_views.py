"""The coordinators' view of the year as it runs: its activity month by month (reporting/monthly.py)."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mediation.access import for_roles
from mediation.breadcrumbs import breadcrumb
from mediation.enums import PostType, Role

from .monthly import monthly_activity
from .scope import scope_choices
from .views import requested_scope, scope_query, selectable_years


@for_roles(Role.COORDINATOR, Role.ADMIN)
@require_GET
def monthly(request):
    if "annee" not in request.GET:
        # The year in progress, unless another is asked for.
        params = request.GET.copy()
        params["annee"] = timezone.localdate().year
        return HttpResponseRedirect(f"{reverse('reporting:monthly_activity')}?{params.urlencode()}")
    scope, departments = requested_scope(request)
    activity = monthly_activity(scope)
    return render(
        request,
        "reporting/monthly.html",
        {
            "scope": scope,
            "activity": activity,
            "choices": scope_choices(departments),
            "years": selectable_years(),
            "post_types": PostType.choices,
            "query": scope_query(scope),
            "breadcrumb_data": breadcrumb("Activité mois par mois"),
        },
    )
