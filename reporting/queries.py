"""Every figure the app shows about the programme is computed here, by the database.
Functions take a scope (a query set of departments) and return frozen dataclasses."""

from dataclasses import dataclass

from django.db.models import Count, Q

from mediation.enums import PostType
from mediation.models import Department


@dataclass(frozen=True)
class RegisterRow:
    label: str
    qpv_population: int
    posts: int
    qpv_posts: int
    rural_posts: int
    active_mediators: int
    usable_bilans: int | None = None
    code: str = ""


@dataclass(frozen=True)
class PostsRegister:
    day: object
    rows: tuple
    total: RegisterRow
    key: str = "register"
    title: str = "Postes par département"
    previous: RegisterRow | None = None  # the total at the end of year N−1


def posts_register(*, departments, day, post_type=""):
    """Posts open on `day` per department, with the QPV population and the mediators holding them."""
    open_post = Q(posts__start_date__lte=day) & (Q(posts__end_date__isnull=True) | Q(posts__end_date__gte=day))
    if post_type:
        open_post &= Q(posts__post_type=post_type)
    open_holding = (
        open_post
        & Q(posts__holdings__start_date__lte=day)
        & (Q(posts__holdings__end_date__isnull=True) | Q(posts__holdings__end_date__gte=day))
    )
    rows = (
        Department.objects.filter(pk__in=departments.values("pk"))
        .annotate(
            n_posts=Count("posts", filter=open_post, distinct=True),
            n_qpv=Count("posts", filter=open_post & Q(posts__post_type=PostType.QPV), distinct=True),
            n_rural=Count("posts", filter=open_post & Q(posts__post_type=PostType.RURAL), distinct=True),
            n_mediators=Count("posts__holdings__mediator", filter=open_holding, distinct=True),
        )
        .order_by("code")
        .values("name", "code", "qpv_population", "n_posts", "n_qpv", "n_rural", "n_mediators")
    )
    built = tuple(
        RegisterRow(
            label=f"{row['name']} ({row['code']})",
            code=row["code"],
            qpv_population=row["qpv_population"],
            posts=row["n_posts"],
            qpv_posts=row["n_qpv"],
            rural_posts=row["n_rural"],
            active_mediators=row["n_mediators"],
        )
        for row in rows
    )
    total = RegisterRow(
        label="Total",
        qpv_population=sum(r.qpv_population for r in built),
        posts=sum(r.posts for r in built),
        qpv_posts=sum(r.qpv_posts for r in built),
        rural_posts=sum(r.rural_posts for r in built),
        active_mediators=sum(r.active_mediators for r in built),
    )
    return PostsRegister(day=day, rows=built, total=total)
