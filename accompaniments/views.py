from django.shortcuts import render
from django.utils import timezone

from mediation.access import for_roles
from mediation.enums import Role


@for_roles(Role.MEDIATOR)
def home(request):
    today = timezone.localdate()
    holdings = (
        request.user.post_holdings.active_on(today)
        .select_related("post__structure__commune", "post__department")
        .prefetch_related("post__communes", "post__qpvs")
    )
    return render(request, "accompaniments/home.html", {"holdings": holdings, "today": today})
