"""Every figure the app shows about the programme is computed here, by the database.
Functions take a scope (a query set of departments) and return frozen dataclasses."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from mediation.enums import PostType
from mediation.models import Department, QpvPopulation

# The QPV were redrawn on 1 January 2024: a figure of an earlier year describes the former quartiers.
QPV_REDRAWN = 2024


@dataclass(frozen=True)
class RegisterRow:
    label: str
    qpv_population: int | None  # None: no figure given for the year nor before it
    posts: int
    qpv_posts: int
    rural_posts: int
    active_mediators: int
    usable_bilans: int | None = None
    code: str = ""
    qpv_year: int | None = None  # the year of the QPV population shown (docs/qpv.md)


@dataclass(frozen=True)
class PostsRegister:
    day: object
    rows: tuple
    total: RegisterRow
    key: str = "register"
    title: str = "Postes par département"
    previous: RegisterRow | None = None  # the total at the end of year N−1

    @property
    def qpv_notes(self):
        """What the QPV population column says beyond its figures (French, for every output)."""
        year = self.day.year
        notes = []
        older = sorted({row.qpv_year for row in self.rows if row.qpv_year is not None and row.qpv_year != year})
        if older:
            years = ", ".join(str(y) for y in older)
            notes.append(
                f"Population des QPV : faute de chiffre de {year} pour un département, celui de la dernière "
                f"année donnée avant est repris, son année entre parenthèses ({years})."
            )
            if year >= QPV_REDRAWN and older[0] < QPV_REDRAWN:
                notes.append(
                    f"Un chiffre antérieur à {QPV_REDRAWN} décrit les quartiers d'avant la nouvelle géographie "
                    f"prioritaire du 1er janvier {QPV_REDRAWN}."
                )
        if any(row.qpv_population is None for row in self.rows):
            notes.append(
                f"« — » : aucune population des QPV n'est donnée pour ce département en {year} ni avant ; "
                "le total ne compte que les départements qui en ont une."
            )
        return tuple(notes)


def posts_register(*, departments, day, post_type=""):
    """Posts open on `day` per department, with the QPV population and the mediators holding them.

    The QPV population is the figure of `day`'s year, or else the latest figure of a year before
    it (its year in `qpv_year`), or None when there is none; the total sums the figures shown."""
    figures = QpvPopulation.objects.filter(department=OuterRef("pk"), year__lte=day.year).order_by("-year")
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
            qpv_population=Subquery(figures.values("population")[:1]),
            qpv_year=Subquery(figures.values("year")[:1]),
        )
        .order_by("code")
        .values("name", "code", "qpv_population", "qpv_year", "n_posts", "n_qpv", "n_rural", "n_mediators")
    )
    built = tuple(
        RegisterRow(
            label=f"{row['name']} ({row['code']})",
            code=row["code"],
            qpv_population=row["qpv_population"],
            qpv_year=row["qpv_year"],
            posts=row["n_posts"],
            qpv_posts=row["n_qpv"],
            rural_posts=row["n_rural"],
            active_mediators=row["n_mediators"],
        )
        for row in rows
    )
    total = RegisterRow(
        label="Total",
        qpv_population=_sum_known(r.qpv_population for r in built),
        posts=sum(r.posts for r in built),
        qpv_posts=sum(r.qpv_posts for r in built),
        rural_posts=sum(r.rural_posts for r in built),
        active_mediators=sum(r.active_mediators for r in built),
    )
    return PostsRegister(day=day, rows=built, total=total)


def _sum_known(figures):
    """The sum of the figures given, None when none is."""
    known = [figure for figure in figures if figure is not None]
    return sum(known) if known else None
