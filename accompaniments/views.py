from django.http import Http404
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


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def follow_ups(request):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def sheet_create(request):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def sheet_detail(request, pk):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def sheet_update(request, pk):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def request_form_row(request):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def request_close(request, pk):
    raise Http404
