"""The part of the regional bilan read from the mediators' annual bilans ("Annexe 1"): means
per usable bilan and shares of mediators, for the region, each territoire, each department
and each post type, then the ranked lists and the open answers.

What is counted: the bilans of year N that are validated and marked usable. A figure's value
is the one the mediator declared, or the computed one when she kept it. Figures about one
mediator are never shown: the smallest column is a department, and a column is withheld unless
it covers whole blocks of at least three bilans of the region (see secrecy.py), so that no
withheld value can be recomputed from the other columns, counts or pages."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from mediation.enums import PostType
from mediation.models import Department

from . import secrecy
from .enums import BilanState, FigureKey
from .models import AnnualBilan, BilanFigure
from .tables import Exact, mean, percent

# A column drawn from fewer bilans than this would show one or two people's answers: its
# figures are withheld (statistical secrecy), its number of bilans still shown; so is a column
# from which such a column could be recomputed.
MIN_BILANS_SHOWN = secrecy.MIN_CONTRIBUTORS
SECRECY_REASON = "secret statistique, pour ne pas révéler les réponses d'un médiateur"
# The open answers follow the same rule: listed under a department only when it has at least
# MIN_BILANS_SHOWN usable bilans; the others' are listed together without their department, or
# withheld when even together they would name fewer than MIN_BILANS_SHOWN mediators.
ANSWERS_MERGED_NOTE = (
    f"Réponses des départements de moins de {MIN_BILANS_SHOWN} bilans regroupées sans nom de département "
    f"({SECRECY_REASON})."
)
ANSWERS_WITHHELD_NOTE = f"Réponses non diffusées : moins de {MIN_BILANS_SHOWN} bilans ({SECRECY_REASON})."
OTHER_DEPARTMENTS = "Autres départements, regroupés"
ALL_DEPARTMENTS = "Ensemble"

MEAN_ROWS = (
    FigureKey.PEOPLE_TOTAL,
    FigureKey.PEOPLE_QPV,
    FigureKey.PEOPLE_RIGHTS,
    FigureKey.PEOPLE_CARE,
    FigureKey.PEOPLE_SOCIAL_PROTECTION,
    FigureKey.ACTIONS_PUBLIC,
    FigureKey.ACTIONS_COCONSTRUCTED,
    FigureKey.ACTIONS_ATTENDED,
    FigureKey.PARTNERS_HEALTH,
    FigureKey.PARTNERS_SOCIAL,
    FigureKey.PARTNERS_MEDICOSOCIAL,
)
# Decimals each mean is printed with, as the region's bilan prints it: people and partners as
# whole numbers, actions to one decimal. Shares are whole percentages. Rounded once, half up,
# from the exact value, which the JSON carries beside it.
MEAN_PLACES = {key: 1 if key.startswith("actions_") else 0 for key in MEAN_ROWS}
SHARE_PLACES = 0
# A bilan whose number of actions for professionals is above zero (declared, else computed).
COANIMATED_FOR_PROFESSIONALS = Exists(
    BilanFigure.objects.filter(bilan=OuterRef("pk"), key=FigureKey.ACTIONS_PROFESSIONALS).filter(
        Q(declared__gt=0) | Q(declared__isnull=True, computed__gt=0)
    )
)
# (row key, label, condition on the bilan) — shares of usable bilans.
SHARE_ROWS = (
    (
        "actions_professionals",
        "Part ayant co-animé des actions pour des professionnels",
        # A number above zero, or a historical questionnaire's « oui » without a number.
        Q(COANIMATED_FOR_PROFESSIONALS) | Q(coanimated_for_professionals=True),
    ),
    ("cpam_partnership", "Part ayant un partenariat avec la CPAM", Q(cpam_partnership=True)),
    ("identified_on_ground", "Part identifiée sur le terrain", Q(identified_on_ground=True)),
    ("missions_known", "Part dont les partenaires connaissent les missions", Q(missions_known=True)),
    ("partner_bodies", "Part participant à des instances partenariales", Q(partner_bodies=True)),
    (
        "professional_project",
        "Part ayant un projet professionnel défini ou en réflexion",
        Q(professional_project__code__in=["defined", "emerging"]),
    ),
    ("trained", "Part ayant suivi une formation", Q(trained=True)),
)
RANKED_LISTS = (
    ("themes", "Thèmes des actions collectives"),
    ("coanimating_partner_types", "Types de partenaires ayant co-animé les actions"),
    ("publics", "Publics et types de partenaires avec qui les médiateurs travaillent"),
    ("health_needs", "Besoins de santé de la population"),
    ("barriers", "Freins à l'accès aux soins"),
)
OPEN_QUESTIONS = (
    ("what_helped", "Ce qui a facilité l'action"),
    ("what_hindered", "Ce qui l'a freinée"),
    ("what_to_improve", "Ce qu'il faudrait améliorer"),
)
# The text readers get of each open question, set by a coordinator's review.
READERS_FIELD = {field: f"{field}_for_readers" for field, _title in OPEN_QUESTIONS}


class UnreviewedAnswer(str):
    """An answer no coordinator has reviewed yet: shown to coordinators only, with a badge."""

    unreviewed = True


@dataclass(frozen=True)
class AnnexColumn:
    key: str
    label: str
    bilans: int
    withheld: bool = False


@dataclass(frozen=True)
class AnnexRow:
    key: str
    label: str
    kind: str  # "mean" or "share"
    values: tuple  # one per column: Decimal mean, int percent, or None — the value shown
    previous: object = None  # the whole scope's value in year N−1
    precision: int = 0  # decimals of the value shown (of the percent, for a share)
    exact: tuple = ()  # one per column: the Exact value the one shown is rounded from, or None


@dataclass(frozen=True)
class AnnexTable:
    key: str
    title: str
    columns: tuple
    rows: tuple
    note: str = ""
    previous_year: int | None = None
    previous: AnnexColumn | None = None  # the whole scope in year N−1 (its "Ensemble" column)


@dataclass(frozen=True)
class RankedItem:
    label: str
    count: int
    percent: int | None
    previous_percent: int | None = None  # share of year N−1's bilans citing it


@dataclass(frozen=True)
class RankedList:
    key: str
    title: str
    bilans: int
    items: tuple
    previous_year: int | None = None
    previous_bilans: int | None = None


@dataclass(frozen=True)
class OpenAnswers:
    key: str
    title: str
    by_department: tuple  # ((department name, (answer, ...)), ...)
    note: str = ""  # why answers are listed without their department, or withheld
    unreviewed: int = 0  # answers listed that no coordinator has reviewed (never for readers)


@dataclass(frozen=True)
class AnnualPart:
    bilans: int
    usable_by_department: dict
    annex: AnnexTable
    ranked: tuple
    answers: tuple


def usable_bilans(scope):
    bilans = AnnualBilan.objects.filter(
        year=scope.year, department__in=scope.department_ids, usable=True, state=BilanState.VALIDATED
    )
    if scope.post_type:
        bilans = bilans.filter(post_type=scope.post_type)
    return bilans


def bilan_blocks(scope):
    """The secrecy blocks of the usable bilans of the year over the scope's whole regions: the
    same for every page of these regions, so that no page undoes another's masking."""
    regions = Department.objects.filter(pk__in=scope.department_ids).values("region")
    region_departments = Department.objects.filter(region__in=regions).only("pk", "territory_id", "region_id")
    contributors = {}
    for department_id, post_type, pk in AnnualBilan.objects.filter(
        year=scope.year, department__region__in=regions, usable=True, state=BilanState.VALIDATED
    ).values_list("department_id", "post_type", "pk"):
        contributors.setdefault((department_id, post_type), set()).add(pk)
    return secrecy.cut(list(region_departments), contributors)


def _columns(departments):
    """(key, label, predicate on a (department id, post type) group) of the Annexe 1 columns."""
    columns = [("total", "Ensemble", lambda dep, kind: True)]
    territories = {}
    for dep in departments:
        territories.setdefault(dep.territory_id, (dep.territory, []))[1].append(dep.pk)
    for territory, members in territories.values():
        if len(members) > 1:
            columns.append(
                (f"territoire:{territory.code}", territory.name, lambda dep, kind, m=tuple(members): dep in m)
            )
    for dep in departments:
        columns.append((f"departement:{dep.code}", dep.name, lambda d, kind, pk=dep.pk: d == pk))
    columns.append(("rural", "Postes ruraux", lambda dep, kind: kind == PostType.RURAL))
    columns.append(("qpv", "Postes QPV", lambda dep, kind: kind == PostType.QPV))
    return columns


def compute_annual(scope, departments, with_answers=True):
    bilans = usable_bilans(scope)
    share_aggregates = {"n": Count("pk")}
    for key, _label, condition in SHARE_ROWS:
        share_aggregates[key] = Count("pk", filter=condition)
    groups = {
        (row.pop("department"), row.pop("post_type")): row
        for row in bilans.values("department", "post_type").order_by().annotate(**share_aggregates)
    }
    value = Coalesce(F("declared"), F("computed"))
    figures = {}
    for row in (
        BilanFigure.objects.filter(bilan__in=bilans)
        .values("bilan__department", "bilan__post_type", "key")
        .order_by()
        .annotate(
            total=Sum(value),
            answered=Count("pk", filter=Q(declared__isnull=False) | Q(computed__isnull=False)),
            positive=Count("pk", filter=Q(declared__gt=0) | Q(declared__isnull=True, computed__gt=0)),
        )
    ):
        figures[(row["bilan__department"], row["bilan__post_type"], row["key"])] = row

    blocks = bilan_blocks(scope)
    scope_atoms = secrecy.atoms(scope.department_ids, scope.post_type)
    columns, rows = [], []
    sums = []
    for key, label, belongs in _columns(departments):
        members = [group for group in groups if belongs(*group)]
        n = sum(groups[g]["n"] for g in members)
        published = blocks.publishable({atom for atom in scope_atoms if belongs(*atom)})
        columns.append(AnnexColumn(key, label, n, withheld=bool(n) and not published))
        sums.append((members, n))

    shown = [not column.withheld for column in columns]

    def figure_sum(members, key, field):
        return sum(figures.get((dep, kind, key), {}).get(field) or 0 for dep, kind in members)

    for key in MEAN_ROWS:
        totals = [
            figure_sum(members, key, "total") if ok and n else None
            for (members, n), ok in zip(sums, shown, strict=True)
        ]
        rows.append(
            AnnexRow(
                key,
                f"{FigureKey(key).label} (moyenne par bilan)",
                "mean",
                tuple(
                    None if total is None else mean(total, n, MEAN_PLACES[key])
                    for total, (_m, n) in zip(totals, sums, strict=True)
                ),
                precision=MEAN_PLACES[key],
                exact=tuple(
                    None if total is None else Exact.of(total, n) for total, (_m, n) in zip(totals, sums, strict=True)
                ),
            )
        )
    for key, label, _condition in SHARE_ROWS:
        counts = [sum(groups[g][key] for g in members) for members, _n in sums]
        rows.append(
            AnnexRow(
                key,
                label,
                "share",
                tuple(percent(c, n) if ok else None for c, (_m, n), ok in zip(counts, sums, shown, strict=True)),
                precision=SHARE_PLACES,
                exact=tuple(
                    Exact.of(c, n) if ok and n else None for c, (_m, n), ok in zip(counts, sums, shown, strict=True)
                ),
            )
        )

    total_bilans = columns[0].bilans
    usable_by_department = {}
    for (dep, _kind), row in groups.items():
        usable_by_department[dep] = usable_by_department.get(dep, 0) + row["n"]

    annex = AnnexTable(
        key="annex",
        title="Annexe 1 — moyennes par bilan exploitable et parts de médiateurs",
        columns=tuple(columns),
        rows=tuple(rows),
        note=(
            "Bilans annuels validés et exploitables de l'année ; en-tête : nombre de bilans de chaque colonne. "
            f"« — » : pas de bilan, ou chiffres non diffusés : colonne de moins de {MIN_BILANS_SHOWN} bilans, "
            f"ou dont une telle colonne se déduirait par différence ({SECRECY_REASON})."
        ),
    )
    return AnnualPart(
        bilans=total_bilans,
        usable_by_department=usable_by_department,
        annex=annex,
        ranked=tuple(_ranked(bilans, total_bilans)),
        answers=tuple(_answers(bilans, usable_by_department, readers=scope.protected)) if with_answers else (),
    )


def _ranked(bilans, total):
    for field, title in RANKED_LISTS:
        through = AnnualBilan._meta.get_field(field).remote_field.through
        rows = (
            through.objects.filter(annualbilan__in=bilans)
            .values("vocabularyitem__label")
            .order_by()
            .annotate(n=Count("annualbilan", distinct=True))
            .order_by("-n", "vocabularyitem__label")
        )
        yield RankedList(
            key=field,
            title=title,
            bilans=total,
            items=tuple(RankedItem(r["vocabularyitem__label"], r["n"], percent(r["n"], total)) for r in rows),
        )


def _answers(bilans, usable_by_department, *, readers):
    """The open answers, by department where the department has at least MIN_BILANS_SHOWN usable
    bilans. Readers get the reviewed texts only, as the coordinator published them; coordinators
    also the answers not reviewed yet, marked as such."""
    total = sum(usable_by_department.values())
    small = [dep for dep, n in usable_by_department.items() if n < MIN_BILANS_SHOWN]
    small_total = sum(usable_by_department[dep] for dep in small)
    if total < MIN_BILANS_SHOWN:
        note = ANSWERS_WITHHELD_NOTE if total else ""
        for field, title in OPEN_QUESTIONS:
            yield OpenAnswers(field, title, (), note=note)
        return
    note = ANSWERS_MERGED_NOTE if small else ""
    if small_total >= MIN_BILANS_SHOWN:
        together = OTHER_DEPARTMENTS  # the small departments' answers, beside the others'
    else:
        together = ALL_DEPARTMENTS  # too few even together: every answer without its department

    texts = [READERS_FIELD[field] for field, _t in OPEN_QUESTIONS]
    if readers:
        bilans = bilans.filter(answers_reviewed_at__isnull=False)
    else:
        texts += [field for field, _t in OPEN_QUESTIONS]
    rows = list(
        bilans.order_by("department__code", "pk").values(
            "department_id", "department__name", "answers_reviewed_at", *texts
        )
    )
    for field, title in OPEN_QUESTIONS:
        by_department = {}
        for row in rows:
            if row["answers_reviewed_at"] is not None:
                text = (row[READERS_FIELD[field]] or "").strip()
            else:
                text = UnreviewedAnswer((row[field] or "").strip())
            if not text:
                continue
            if not small:
                name = row["department__name"]
            elif together == ALL_DEPARTMENTS or row["department_id"] in small:
                name = together
            else:
                name = row["department__name"]
            by_department.setdefault(name, []).append(text)
        # Answers listed together are sorted, so that their order does not tell departments apart.
        listed = tuple(
            (name, tuple(sorted(found)) if name in (OTHER_DEPARTMENTS, ALL_DEPARTMENTS) else tuple(found))
            for name, found in sorted(by_department.items(), key=lambda item: item[0] == OTHER_DEPARTMENTS)
        )
        unreviewed = sum(isinstance(t, UnreviewedAnswer) for _name, found in listed for t in found)
        yield OpenAnswers(field, title, listed, note=note if listed else "", unreviewed=unreviewed)
