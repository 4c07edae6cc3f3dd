from django.http import Http404

from mediation.access import for_roles
from mediation.enums import Role


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_list(request):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_create(request):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_detail(request, pk):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_update(request, pk):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_merge(request, pk):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_log(request, pk):
    raise Http404


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def caseload_transfer(request):
    raise Http404
