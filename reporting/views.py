from django.shortcuts import render
from django.utils import timezone

from mediation.access import for_roles
from mediation.enums import Role
from mediation.models import Department

from . import queries


@for_roles(Role.READER, Role.COORDINATOR, Role.ADMIN)
def dashboard(request):
    """Aggregates only: nothing on this page names a person."""
    today = timezone.localdate()
    departments = Department.objects.for_user(request.user)
    register = queries.posts_register(departments=departments, day=today)
    return render(request, "reporting/dashboard.html", {"register": register, "today": today})
