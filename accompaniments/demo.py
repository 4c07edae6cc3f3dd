"""Synthetic accompaniment records, for the demo and for benchmarks. Deterministic: the same
seed gives the same people and sheets. Shares of each value follow the region's bilan."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from mediation.enums import Vocabulary
from mediation.models import PostHolding, VocabularyItem

from .enums import RequestDomain, RequestStatus
from .models import Beneficiary, Sheet, SheetRequest, search_key

FIRST_NAMES_F = [
    "Aïcha",
    "Nadia",
    "Sandrine",
    "Fatou",
    "Chantal",
    "Émilie",
    "Samira",
    "Julie",
    "Karima",
    "Sylvie",
    "Mélanie",
    "Yamina",
    "Céline",
    "Nathalie",
    "Inès",
    "Brigitte",
    "Laetitia",
    "Awa",
    "Sophie",
    "Malika",
]
FIRST_NAMES_M = [
    "Mohamed",
    "Jean-Pierre",
    "Karim",
    "Kevin",
    "Mamadou",
    "Christophe",
    "Rachid",
    "Dylan",
    "Patrick",
    "Youssef",
    "Thierry",
    "Bruno",
    "Ibrahim",
    "Sébastien",
    "Ahmed",
    "Ludovic",
    "Moussa",
    "David",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefebvre",
    "Leroy",
    "Moreau",
    "Petit",
    "Durand",
    "Lemaire",
    "Benali",
    "Diallo",
    "Caron",
    "Dupont",
    "Vasseur",
    "Lecomte",
    "Haddad",
    "Fontaine",
    "Delattre",
    "Traoré",
    "Carpentier",
    "Mercier",
    "Duhamel",
    "Boulanger",
    "Merlin",
    "Lambert",
    "Roussel",
    "Ouali",
    "Deschamps",
    "Brunet",
    "Lemoine",
]

# Rough shares seen in the regional bilan (weights, not percentages).
SEX_WEIGHTS = {"female": 64, "male": 35, "non_binary": 1}
RESOURCES_WEIGHTS = {
    "rsa": 26,
    "salaire": 14,
    "chomage": 9,
    "aah": 10,
    "pension_de_retraite": 11,
    "aucune_ressource": 9,
    "allocations_familiales": 6,
    "non_communique": 8,
    "assurance_maladie": 3,
    "pension_de_reversion": 2,
    "autres": 2,
}
CAME_VIA_WEIGHTS = {
    "partner_referral": 33,
    "contact_direct": 18,
    "bouche_a_oreille": 17,
    "outreach": 12,
    "prior_meeting": 9,
    "structure_communication": 6,
    "self_sought": 5,
}
CONTACT_WEIGHTS = {
    "permanence": 55,
    "telephone": 20,
    "domicile": 8,
    "accompagnement_physique": 9,
    "aller_vers_porte_a_porte": 6,
    "autre": 2,
}
RIGHTS_WEIGHTS = {
    "demande_de_complementaire_sante_solidaire": 38,
    "prestations_de_sante": 24,
    "prestations_sociales": 20,
    "aides_financieres_pour_frais_de_specialiste": 6,
    "autre": 12,
}
CARE_WEIGHTS = {
    "aide_ou_prise_de_rendez_vous_pour_avec_l_usager": 24,
    "aide_a_la_recherche_d_un_professionnel_de_sante": 20,
    "accompagnement_aux_rendez_vous_medicaux": 12,
    "conseil_sante": 10,
    "depistage_organise": 8,
    "accompagnement_bilan_de_sante": 7,
    "activation_de_compte_sur_une_plateforme_de_rendez": 6,
    "addiction_cmpp_csapa": 4,
    "activite_physique_adaptee": 3,
    "atelier_cuisine": 2,
    "non_connu_autre": 4,
}


# A request of a sheet opened more than RECENT_DAYS ago is rarely still in progress; a request in
# progress has its follow-up due at most MAX_DAYS_LATE days ago.
RECENT_DAYS = 120
MAX_DAYS_LATE = 40


def _weighted(rng, items_by_code, weights):
    codes = [c for c in weights if c in items_by_code]
    return items_by_code[rng.choices(codes, weights=[weights[c] for c in codes])[0]]


def _vocabularies():
    by_list = {}
    for item in VocabularyItem.objects.all():
        by_list.setdefault(item.vocabulary, {})[item.code] = item
    return by_list


@transaction.atomic
def generate(*, holdings, sheets_per_holding, year, seed=2024, people_per_sheet=0.8, batch_size=2000, today=None):
    """Create people and sheets (with one to three requests each) for the given post holdings,
    spread over `year` up to `today` at most (default: today's local date). Requests of sheets
    opened long ago are mostly closed: a follow-up left behind is a few weeks late, not years.
    Returns the number of sheets created."""
    rng = random.Random(seed)
    vocab = _vocabularies()
    rights = vocab[Vocabulary.RIGHTS_REQUEST]
    care = vocab[Vocabulary.CARE_REQUEST]
    today = today or timezone.localdate()
    created = 0
    for holding in holdings:
        structure = holding.post.structure
        people_count = max(1, int(sheets_per_holding * people_per_sheet))
        people = []
        for n in range(people_count):
            sex = _weighted(rng, vocab[Vocabulary.SEX], SEX_WEIGHTS)
            first = rng.choice(FIRST_NAMES_M if sex.code == "male" else FIRST_NAMES_F)
            last = rng.choice(LAST_NAMES)
            people.append(
                Beneficiary(
                    structure=structure,
                    referent=holding.mediator,
                    last_name=last,
                    first_name=first,
                    name_key=search_key(last, first),
                    birth_year=rng.randint(year - 85, year - 18),
                    sex=sex,
                    lives_in_qpv=holding.post.post_type == "qpv" and rng.random() < 0.8,
                    resources=_weighted(rng, vocab[Vocabulary.RESOURCES], RESOURCES_WEIGHTS),
                    came_via=_weighted(rng, vocab[Vocabulary.CAME_VIA], CAME_VIA_WEIGHTS),
                    phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    consent_on=datetime.date(year, 1, 1),
                    consent_method="oral",
                    external_id=f"demo-{year}-{holding.pk}-{n}",
                )
            )
        for person in people:
            person.fill_duplicate_keys()  # save() would, bulk_create does not
        Beneficiary.objects.bulk_create(people, batch_size=batch_size)
        people = list(
            Beneficiary.objects.filter(structure=structure, external_id__startswith=f"demo-{year}-{holding.pk}-")
        )
        first_day = max(holding.start_date, datetime.date(year, 1, 1))
        last_day = min(holding.end_date or today, datetime.date(year, 12, 31), today)
        span = max(0, (last_day - first_day).days)
        sheets = []
        for n in range(sheets_per_holding):
            person = people[n % len(people)] if n < len(people) else rng.choice(people)
            opened = first_day + datetime.timedelta(days=rng.randint(0, span))
            sheets.append(
                Sheet(
                    beneficiary=person,
                    mediator=holding.mediator,
                    post=holding.post,
                    opened_on=opened,
                    contact_mode=_weighted(rng, vocab[Vocabulary.CONTACT_MODE], CONTACT_WEIGHTS),
                    sex=person.sex,
                    age=opened.year - person.birth_year,
                    lives_in_qpv=person.lives_in_qpv,
                    resources=person.resources,
                    came_via=person.came_via,
                )
            )
        Sheet.objects.bulk_create(sheets, batch_size=batch_size)
        requests = []
        for sheet in Sheet.objects.filter(post=holding.post, mediator=holding.mediator, opened_on__year=year):
            recent = (today - sheet.opened_on).days <= RECENT_DAYS
            for _ in range(rng.choices([1, 2, 3], weights=[60, 30, 10])[0]):
                domain = RequestDomain.RIGHTS if rng.random() < 0.55 else RequestDomain.CARE
                status = rng.choices(list(RequestStatus), weights=[30, 58, 12] if recent else [3, 80, 17])[0]
                closed = None
                if status != RequestStatus.IN_PROGRESS:
                    closed = min(sheet.opened_on + datetime.timedelta(days=rng.randint(0, 90)), today)
                follow_up = None
                if status == RequestStatus.IN_PROGRESS:
                    follow_up = sheet.opened_on + datetime.timedelta(days=rng.randint(7, 60))
                    if (today - follow_up).days > MAX_DAYS_LATE:  # still open: its follow-up was due lately
                        follow_up = today - datetime.timedelta(days=rng.randint(0, MAX_DAYS_LATE))
                requests.append(
                    SheetRequest(
                        sheet=sheet,
                        domain=domain,
                        kind=_weighted(rng, rights, RIGHTS_WEIGHTS)
                        if domain == RequestDomain.RIGHTS
                        else _weighted(rng, care, CARE_WEIGHTS),
                        status=status,
                        opened_on=sheet.opened_on,
                        closed_on=closed,
                        follow_up_on=follow_up,
                    )
                )
        SheetRequest.objects.bulk_create(requests, batch_size=batch_size)
        created += len(sheets)
    return created


def seed_demo_year(*, year, total_sheets=2000, seed=2024, today=None):
    """About `total_sheets` sheets spread over the mediators holding a post during `year`, none
    after `today` (default: today's local date). Does nothing if that year already has sheets."""
    today = today or timezone.localdate()
    if Sheet.objects.for_year(year).exists() or total_sheets <= 0:
        return 0
    start, end = datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)
    holdings = list(
        PostHolding.objects.overlapping(start, end).select_related("post__structure", "mediator").order_by("pk")
    )
    if not holdings:
        return 0
    per_holding = max(1, total_sheets // len(holdings))
    return generate(holdings=holdings, sheets_per_holding=per_holding, year=year, seed=seed, today=today)
