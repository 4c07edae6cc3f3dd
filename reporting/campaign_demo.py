"""The campaign part of the demo (`python manage.py seed_demo`): the campaign of the demo year,
pre-filled from the demo records, with bilans in every state, and the bilans of the year before
imported as history so that the regional bilan has a year to compare with. Deterministic, and
done once: a second run finds both campaigns and changes nothing."""

import datetime
import random

import tablib
from django.db import transaction
from django.utils import timezone

from mediation.enums import Vocabulary
from mediation.models import Department, Post, PostHolding, Region, User, VocabularyItem

from . import history_import
from .campaigns import days_in_year, open_campaign
from .enums import BilanState, FigureKey
from .models import BilanEvent, BilanFigure, Campaign

COORDINATOR_EMAIL = "coordination@demo.fr"
# The featured demo mediators: Sophie has her bilan in progress, Mehdi has submitted his.
IN_PROGRESS_EMAIL = "mediatrice@demo.fr"
SUBMITTED_EMAIL = "mediateur@demo.fr"
# The other bilans go through these states in turn.
STATES = [
    BilanState.VALIDATED,
    BilanState.SUBMITTED,
    BilanState.NOT_STARTED,
    BilanState.SENT_BACK,
    BilanState.DRAFT,
    BilanState.VALIDATED,
]
# The lists the history draws its answers from (labels or codes of the regional lists).
HISTORY_LISTS = {
    "themes": ["Nutrition", "Cancer / dépistages", "Santé mentale", "Vaccination"],
    "partenaires_coanimation": ["CPAM", "Centre social", "Association locale"],
    "publics": ["Habitants", "Parents", "Personnes âgées", "Demandeurs d'emploi / RSA"],
    "besoins_sante": ["Santé mentale", "Addictions", "Nutrition", "Accès aux soins"],
    "freins": ["Mobilité", "Ressources financières", "Barrière linguistique ou culturelle"],
}
USABLE_OVERRIDE_REASON = "Absente six mois de l'année (congé de longue durée) : hors des moyennes."
SENT_BACK_COMMENT = "Le nombre d'actions collectives paraît bas au regard de vos saisies : pouvez-vous vérifier ?"


# The campaign of the demo year opens in January of the next year; its deadline is the end of
# February, or, later in the year, a few weeks before today: the bilans still expected are late
# by a believable number of days, never by most of a year.
OPENING_DAY = (1, 8)
DEADLINE_DAY = (2, 27)
LATE_BY_DAYS = 21


def demo_deadline(year, today):
    """The deadline of the demo campaign of `year` seen on `today`."""
    usual = datetime.date(year + 1, *DEADLINE_DAY)
    return max(usual, today - datetime.timedelta(days=LATE_BY_DAYS))


@transaction.atomic
def seed(*, year, region_code, today=None):
    """Create the demo campaign of `year` and the history of `year - 1` when missing, as seen on
    `today` (default: today's local date). Returns {label: rows created}."""
    today = today or timezone.localdate()
    created = {}
    coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first()
    region = Region.objects.get(code=region_code)
    if coordinator is None:
        return created
    if not Campaign.objects.filter(year=year, imported=False).exists():
        campaign = open_campaign(by=coordinator, year=year, deadline=demo_deadline(year, today), region=region)
        opened = min(_at(datetime.date(year + 1, *OPENING_DAY), 9), timezone.now())
        Campaign.objects.filter(pk=campaign.pk).update(opened_at=opened)
        campaign.opened_at = opened
        _walk_the_states(campaign, coordinator)
        _date_the_steps(campaign, today)
        created[f"bilans annuels {year}"] = campaign.bilans.count()
    if not Campaign.objects.filter(year=year - 1).exists():
        report = history_import.run(
            "historique-demo.csv",
            _history_file(year - 1, region),
            year=year - 1,
            by=coordinator,
            allowed_department_ids=set(Department.objects.filter(region=region).values_list("pk", flat=True)),
            dry_run=False,
        )
        if report.errors:
            raise RuntimeError(f"Historique de démonstration invalide : {report.errors[:3]}")
        created[f"bilans importés {year - 1}"] = report.created
    return created


def _answer(bilan, rng):
    """Answers a mediator would give, drawn from her year."""
    bilan.identified_on_ground = rng.random() < 0.85
    bilan.missions_known = rng.random() < 0.7
    bilan.partner_bodies = bilan.partner_bodies if bilan.partner_bodies is not None else rng.random() < 0.5
    bilan.cpam_partnership = bilan.cpam_partnership if bilan.cpam_partnership is not None else rng.random() < 0.4
    bilan.trained = rng.random() < 0.6
    bilan.training_details = "Formation « médiation en santé » (IREPS), 3 jours" if bilan.trained else ""
    bilan.what_helped = "Le soutien de la structure et des partenaires de proximité."
    bilan.what_hindered = "Le manque de médecins traitants acceptant de nouveaux patients."
    bilan.what_to_improve = "Des temps d'échange réguliers entre médiateurs du département."
    projects = list(VocabularyItem.objects.of(Vocabulary.PROFESSIONAL_PROJECT).order_by("order"))
    bilan.professional_project = rng.choice(projects)
    bilan.state = BilanState.DRAFT
    bilan.version += 1
    bilan.save()
    needs = list(VocabularyItem.objects.of(Vocabulary.HEALTH_NEED).order_by("order"))
    barriers = list(VocabularyItem.objects.of(Vocabulary.CARE_BARRIER).order_by("order"))
    bilan.health_needs.set(rng.sample(needs, 3))
    bilan.barriers.set(rng.sample(barriers, 3))


def _walk_the_states(campaign, coordinator):
    rng = random.Random(campaign.year)
    bilans = list(campaign.bilans.select_related("mediator").order_by("department__code", "post__code"))
    others = [b for b in bilans if b.mediator.email not in (IN_PROGRESS_EMAIL, SUBMITTED_EMAIL)]
    plan = {b.pk: STATES[i % len(STATES)] for i, b in enumerate(others)}
    for bilan in bilans:
        if bilan.mediator.email == IN_PROGRESS_EMAIL:
            plan[bilan.pk] = BilanState.DRAFT
        elif bilan.mediator.email == SUBMITTED_EMAIL:
            plan[bilan.pk] = BilanState.SUBMITTED
    # One coordinator decision on the usable flag, with its reason, to show how it reads.
    others[len(others) // 2].set_usable(by=coordinator, usable=False, reason=USABLE_OVERRIDE_REASON)
    for bilan in bilans:
        bilan.refresh_from_db()
        target = plan[bilan.pk]
        if target == BilanState.NOT_STARTED:
            continue
        _answer(bilan, rng)
        if bilan.mediator.email == SUBMITTED_EMAIL:
            # A correction far from the computed value: the coordinator sees a gap to look at.
            total = bilan.figures.get(key=FigureKey.PEOPLE_TOTAL)
            BilanFigure.objects.filter(pk=total.pk).update(declared=(total.computed or 0) + 40)
        if target == BilanState.DRAFT:
            continue
        bilan.submit(by=bilan.mediator)
        if target == BilanState.SENT_BACK:
            bilan.send_back(by=coordinator, comment=SENT_BACK_COMMENT)
        elif target == BilanState.VALIDATED:
            bilan.validate(by=coordinator)


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _date_the_steps(campaign, today):
    """Bilans created when the campaign opened, sent between its opening and its deadline (or
    today), validated or sent back a few days later: not all on the day the demo was built."""
    rng = random.Random(campaign.year + 1)
    opened = timezone.localdate(campaign.opened_at)
    last = max(opened, min(campaign.deadline, today))
    now = timezone.now()
    for bilan in campaign.bilans.order_by("pk"):
        values = {"created_at": campaign.opened_at}
        submitted = None
        if bilan.submitted_at:
            day = opened + datetime.timedelta(days=rng.randint(0, (last - opened).days))
            submitted = min(_at(day, rng.randint(9, 17), rng.choice([0, 15, 30, 45])), now)
            values["submitted_at"] = submitted
        decided = None
        if submitted:
            decided = max(
                min(submitted + datetime.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5)), now), submitted
            )
            if bilan.validated_at:
                values["validated_at"] = decided
        type(bilan).objects.filter(pk=bilan.pk).update(**values)
        # Its history: the answers before the sending, the coordinator's decision after it.
        moment = campaign.opened_at
        for event in bilan.events.order_by("pk"):
            moment = max(moment, submitted or moment)
            if decided and event.by_id != bilan.mediator_id:
                moment = decided
            BilanEvent.objects.filter(pk=event.pk).update(at=moment)


def _history_file(year, region):
    """A CSV of plausible bilans of `year`, one per post held that year (keys: the post codes)."""
    rng = random.Random(year)
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    holders = {}
    for holding in (
        PostHolding.objects.overlapping(first, last)
        .filter(post__department__region=region)
        .select_related("mediator")
        .order_by("start_date")
    ):
        days = days_in_year([(holding.start_date, holding.end_date)], first, last)
        if days > holders.get(holding.post_id, (0, None))[0]:
            holders[holding.post_id] = (days, holding.mediator.email)
    posts = Post.objects.filter(pk__in=holders).select_related("department").order_by("code")
    dataset = tablib.Dataset(headers=history_import.COLUMNS)
    for post in posts:
        people = rng.randint(90, 260)
        values = {
            "annee": year,
            "departement": post.department.code,
            "code_poste": post.code,
            "email_mediateur": holders[post.pk][1],
            "exploitable": "oui" if rng.random() < 0.85 else "non",
            "personnes": people,
            "personnes_qpv": int(people * (rng.uniform(0.55, 0.85) if post.post_type == "qpv" else 0.05)),
            "personnes_droits": int(people * rng.uniform(0.45, 0.7)),
            "personnes_soins": int(people * rng.uniform(0.4, 0.65)),
            "personnes_protection_sociale": int(people * rng.uniform(0.15, 0.35)),
            "actions_public": rng.randint(2, 14),
            "actions_professionnels": rng.randint(0, 4),
            "actions_coconstruites": rng.randint(0, 6),
            "actions_participation": rng.randint(1, 8),
            "partenaires_sanitaires": rng.randint(3, 15),
            "partenaires_sociaux": rng.randint(3, 12),
            "partenaires_medico_sociaux": rng.randint(0, 5),
            "aller_vers_personnes": rng.randint(0, 320),
            "aller_vers_logements": rng.randint(0, 600),
            "partenariat_cpam": "oui" if rng.random() < 0.4 else "non",
            "identifie_terrain": "oui" if rng.random() < 0.85 else "non",
            "missions_connues": "oui" if rng.random() < 0.7 else "non",
            "instances_partenariales": "oui" if rng.random() < 0.55 else "non",
            "forme": "oui" if rng.random() < 0.6 else "non",
            "projet_professionnel": rng.choice(["Défini", "En réflexion", "Aucun"]),
        }
        for column, choices in HISTORY_LISTS.items():
            values[column] = "; ".join(rng.sample(choices, 2))
        dataset.append([values.get(column, "") for column in history_import.COLUMNS])
    return dataset.export("csv", delimiter=";").encode("utf-8")
