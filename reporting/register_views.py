"""The posts register page: the posts of the coordinator's scope with their current holders,
under the register's figures computed once in `queries.posts_register`. It stands on the
reporting floor, which may read the core and the figures."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone

from mediation.access import for_roles
from mediation.enums import Role
from mediation.models import Department, Post, PostHolding

from . import first_steps, queries

POSTS_PER_PAGE = 50


@for_roles(Role.COORDINATOR, Role.ADMIN)
def post_register(request):
    today = timezone.localdate()
    departments = Department.objects.for_user(request.user)
    department_code = request.GET.get("departement", "")
    posts = Post.objects.for_user(request.user).select_related("structure__commune", "department")
    if department_code:
        posts = posts.filter(department__code=department_code)
    posts = posts.prefetch_related(
        Prefetch(
            "holdings",
            queryset=PostHolding.objects.active_on(today).select_related("mediator"),
            to_attr="current_holdings",
        )
    ).order_by("department__code", "code")
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    register = queries.posts_register(departments=departments, day=today)
    return render(
        request,
        "reporting/post_register.html",
        {
            "page": page,
            "register": register,
            "departments": departments,
            "department_code": department_code,
            "today": today,
            "first_steps": first_steps.for_user(request.user, today=today),
        },
    )
