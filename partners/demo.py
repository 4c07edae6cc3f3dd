"""Synthetic partners and activity for the demo (`python manage.py seed_demo`): a directory of
real-sounding organisations in each department, each mediator's own partners, referrals
(accepted into sheets, declined or pending, a few for communes no post covers), outreach
sessions and collective actions over the demo year. Organisations are named after real kinds
of bodies; their contact details and every person are fictional.

Deterministic (seeded) and idempotent: partners are looked up by department and name,
partnerships by mediator and partner; referrals, outreach sessions and collective actions are
created only when the demo has none yet. Rows are written with bulk_create."""

import datetime
import random
from collections import Counter

from django.db import transaction
from django.utils import timezone

from accompaniments.demo import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from accompaniments.enums import ConsentMethod, RequestDomain, RequestStatus
from accompaniments.models import Beneficiary, Sheet, SheetRequest, search_key
from mediation.enums import Vocabulary
from mediation.models import Commune, Department, PostHolding, VocabularyItem

from . import services
from .enums import ActionAudience, ActionRole, OrientationOutcome, PartnerType, ReferralStatus
from .models import (
    ActionPartner,
    CollectiveAction,
    MediatorPartner,
    Orientation,
    OutreachSession,
    Partner,
    Referral,
    partner_name_key,
)

T = PartnerType
HEALTH, SOCIAL, MEDICO = "health", "social", "medico_social"

# (department code, name, type, category code, INSEE code of its commune, phone, website)
# fmt: off
PARTNERS = [
    # Nord
    ("59", "CPAM de Roubaix-Tourcoing", T.CPAM, SOCIAL, "59512", "36 46", "https://www.ameli.fr"),
    ("59", "CPAM de Lille-Douai", T.CPAM, SOCIAL, "59350", "36 46", "https://www.ameli.fr"),
    ("59", "CPAM du Hainaut", T.CPAM, SOCIAL, "59606", "36 46", "https://www.ameli.fr"),
    ("59", "CPAM des Flandres", T.CPAM, SOCIAL, "59183", "36 46", "https://www.ameli.fr"),
    ("59", "CAF du Nord", T.CAF, SOCIAL, "59350", "32 30", "https://www.caf.fr"),
    ("59", "MSA Nord-Pas de Calais", T.MSA, SOCIAL, "59036", "", "https://www.msa.fr"),
    ("59", "CCAS de Lille", T.CCAS, SOCIAL, "59350", "", ""),
    ("59", "CCAS de Maubeuge", T.CCAS, SOCIAL, "59392", "", ""),
    ("59", "CCAS de Denain", T.CCAS, SOCIAL, "59172", "", ""),
    ("59", "Centre social de l'Épeule", T.SOCIAL_CENTRE, SOCIAL, "59512", "", ""),
    ("59", "Centre social Albeck", T.SOCIAL_CENTRE, SOCIAL, "59271", "", ""),
    ("59", "Maison de santé pluriprofessionnelle de Lille Sud", T.HEALTH_PROFESSIONAL, HEALTH, "59350", "", ""),
    ("59", "Pharmacie du Boulevard de Belfort", T.HEALTH_PROFESSIONAL, HEALTH, "59350", "", ""),
    ("59", "Cabinet infirmier de la Chasse Royale", T.HEALTH_PROFESSIONAL, HEALTH, "59606", "", ""),
    ("59", "CSAPA de Roubaix", T.SPECIALISED, MEDICO, "59512", "", ""),
    ("59", "PASS du Centre hospitalier de Valenciennes", T.SPECIALISED, HEALTH, "59606", "", ""),
    ("59", "CMP adultes de Denain", T.SPECIALISED, HEALTH, "59172", "", ""),
    ("59", "Centre d'examens de santé de Lille", T.PREVENTION_SERVICE, HEALTH, "59350", "", ""),
    ("59", "Centre de dépistage du Hainaut", T.PREVENTION_SERVICE, HEALTH, "59392", "", ""),
    ("59", "Ville de Roubaix — service santé", T.LOCAL_AUTHORITY, SOCIAL, "59512", "", ""),
    ("59", "Partenord Habitat — agence de Lille", T.LANDLORD, SOCIAL, "59350", "", ""),
    ("59", "Association Ressources Dunkerque", T.LOCAL_ASSOCIATION, SOCIAL, "59183", "", ""),
    ("59", "Restos du cœur de Fourmies", T.LOCAL_ASSOCIATION, SOCIAL, "59249", "", ""),
    ("59", "Mission locale Sambre-Avesnois", T.OTHER, SOCIAL, "59392", "", ""),
    # Pas-de-Calais
    ("62", "CPAM de l'Artois", T.CPAM, SOCIAL, "62498", "36 46", "https://www.ameli.fr"),
    ("62", "CPAM de la Côte d'Opale", T.CPAM, SOCIAL, "62193", "36 46", "https://www.ameli.fr"),
    ("62", "CAF du Pas-de-Calais", T.CAF, SOCIAL, "62041", "32 30", "https://www.caf.fr"),
    ("62", "CCAS de Lens", T.CCAS, SOCIAL, "62498", "", ""),
    ("62", "CCAS de Calais", T.CCAS, SOCIAL, "62193", "", ""),
    ("62", "Centre social Vent de Bise", T.SOCIAL_CENTRE, SOCIAL, "62510", "", ""),
    ("62", "Maison de santé de Fruges", T.HEALTH_PROFESSIONAL, HEALTH, "62364", "", ""),
    ("62", "PMI de Lens — Maison du Département Solidarité", T.PREVENTION_SERVICE, MEDICO, "62498", "", ""),
    ("62", "Pas-de-Calais Habitat — agence de Boulogne", T.LANDLORD, SOCIAL, "62160", "", ""),
    ("62", "Association Emmaüs Boulogne-sur-Mer", T.LOCAL_ASSOCIATION, SOCIAL, "62160", "", ""),
    # Aisne
    ("02", "CPAM de l'Aisne", T.CPAM, SOCIAL, "02408", "36 46", "https://www.ameli.fr"),
    ("02", "CAF de l'Aisne", T.CAF, SOCIAL, "02408", "32 30", "https://www.caf.fr"),
    ("02", "Centre social Europe de Saint-Quentin", T.SOCIAL_CENTRE, SOCIAL, "02691", "", ""),
    ("02", "PASS du Centre hospitalier de Saint-Quentin", T.SPECIALISED, HEALTH, "02691", "", ""),
    ("02", "Association Thiérache Santé Mobilité", T.LOCAL_ASSOCIATION, SOCIAL, "02789", "", ""),
    # Somme
    ("80", "CPAM de la Somme", T.CPAM, SOCIAL, "80021", "36 46", "https://www.ameli.fr"),
    ("80", "CAF de la Somme", T.CAF, SOCIAL, "80021", "32 30", "https://www.caf.fr"),
    ("80", "MSA de Picardie", T.MSA, SOCIAL, "80021", "", "https://www.msa.fr"),
    ("80", "Centre social d'Étouvie", T.SOCIAL_CENTRE, SOCIAL, "80021", "", ""),
    ("80", "Maison de santé du Vimeu", T.HEALTH_PROFESSIONAL, HEALTH, "80368", "", ""),
    # Oise
    ("60", "CPAM de l'Oise", T.CPAM, SOCIAL, "60057", "36 46", "https://www.ameli.fr"),
    ("60", "CAF de l'Oise", T.CAF, SOCIAL, "60057", "32 30", "https://www.caf.fr"),
    ("60", "CCAS de Creil", T.CCAS, SOCIAL, "60175", "", ""),
    ("60", "Espace santé jeunes de Creil", T.PREVENTION_SERVICE, HEALTH, "60175", "", ""),
]
# fmt: on

# Fictional professionals who refer patients: (name, profession, structure).
REFERRERS = [
    ("Dr Claire Vandamme", "Médecin généraliste", "Cabinet médical des Moulins"),
    ("Julien Lefort", "Pharmacien", "Pharmacie du Centre"),
    ("Sabrina Haddou", "Infirmière libérale", "Cabinet infirmier"),
    ("Marc Devos", "Assistant de service social", "Maison départementale des solidarités"),
    ("Nadia Ziani", "Coordinatrice de parcours", "CPTS du territoire"),
    ("Dr Antoine Lemaire", "Médecin généraliste", "Maison de santé pluriprofessionnelle"),
    ("Hélène Dufour", "Sage-femme", "PMI"),
]
REFERRER_EMAIL_DOMAIN = "exemple.fr"
# Referrals for the communes of the featured demo mediators (Lille, Lens), by status.
FEATURED_COMMUNES = {
    "59350": [ReferralStatus.PENDING] * 3 + [ReferralStatus.ACCEPTED, ReferralStatus.DECLINED],
    "62498": [ReferralStatus.PENDING] * 2 + [ReferralStatus.ACCEPTED],
}
# Communes no demo post covers, or covered only by a vacant post: their referrals wait for a coordinator.
UNROUTED_COMMUNES = ["59178", "59599", "62041", "02408", "60057"]
DECLINE_REASONS = [
    "Personne injoignable après trois appels.",
    "Déjà accompagnée par l'assistante sociale de secteur.",
    "La personne ne souhaite pas d'accompagnement.",
]
ACTIONS = [
    ("Atelier « Bien manger avec un petit budget »", ["nutrition"]),
    ("Stand Mars bleu : dépistage du cancer colorectal", ["cancer_depistages"]),
    ("Octobre rose : information sur le dépistage du cancer du sein", ["cancer_depistages"]),
    ("Café santé mentale au centre social", ["sante_mentale"]),
    ("Mois sans tabac : stand d'information", ["addictions"]),
    ("Forum santé du quartier", ["bilan_de_sante", "vaccination", "nutrition"]),
    ("Atelier hygiène bucco-dentaire à l'école", ["hygiene", "sante_des_jeunes"]),
    ("Réunion d'information sur la Complémentaire santé solidaire", ["autre"]),
    ("Marche santé et activité physique", ["nutrition"]),
    ("Séance de vaccination hors les murs", ["vaccination"]),
    ("Repérage du renoncement aux soins : temps d'échange avec les professionnels", ["autre"]),
    ("Atelier vie affective et santé sexuelle", ["sante_sexuelle", "sante_des_jeunes"]),
]
PLACES = {
    "qpv": [
        "Résidence des Peupliers, bâtiments A à D",
        "Rue Jean-Jaurès et rue Victor-Hugo",
        "Cité des Aviateurs",
        "Allée des Tilleuls, tours 1 et 2",
        "Résidence du Parc, entrées 3 à 9",
    ],
    "rural": [
        "Hameaux et bourg, porte-à-porte",
        "Marché du samedi et rues du centre-bourg",
        "Lotissement des Prés, rue de l'Église",
    ],
}


# Publics (codes of Vocabulary.PUBLIC) an action is plausibly for, by audience.
AUDIENCE_PUBLICS = {
    ActionAudience.PUBLIC: [
        "habitants",
        "parents",
        "personnes_agees",
        "jeunes_en_insertion_professionnelle",
        "etrangers_migrants",
        "demandeurs_d_emploi_rsa",
    ],
    ActionAudience.PROFESSIONALS: [
        "professionnels_du_secteur_social",
        "professionnels_de_sante",
        "public_relais_pairs_mediateurs",
    ],
}


def _vocabularies():
    by_list = {}
    for item in VocabularyItem.objects.all():
        by_list.setdefault(item.vocabulary, {})[item.code] = item
    return by_list


def _aware(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _random_day(rng, first, last):
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


@transaction.atomic
def seed(*, year, seed=2025, today=None):
    """Create what is missing for the demo year `year` (complete) and the year after it, in
    progress up to `today` (default: today's local date); returns a Counter of rows created, by
    label (empty the second time)."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    vocab = _vocabularies()
    created = Counter()
    created["partenaires (répertoire)"] += _seed_partners(vocab)
    first, last = datetime.date(year, 1, 1), today
    holdings = list(
        PostHolding.objects.overlapping(first, last)
        .select_related("post__structure", "post__department", "mediator")
        .prefetch_related("post__communes", "post__qpvs__communes")
        .order_by("pk")
    )
    partners = list(Partner.objects.filter(created_by__isnull=True).order_by("pk"))
    created["partenaires des médiateurs"] += _seed_partnerships(rng, holdings, partners, year)
    if not Referral.objects.filter(referrer_email__endswith="@" + REFERRER_EMAIL_DOMAIN).exists():
        created.update(_seed_referrals(rng, vocab, year, today))
    for activity_year in (year, year + 1):
        if activity_year > today.year:
            continue
        if not OutreachSession.objects.for_year(activity_year).exists():
            created["séances d'aller-vers"] += _seed_outreach(rng, holdings, activity_year, today)
        if not CollectiveAction.objects.for_year(activity_year).exists():
            created["actions collectives"] += _seed_actions(rng, vocab, holdings, partners, activity_year, today)
    if not Orientation.objects.exists():
        created["orientations vers des partenaires"] += _seed_orientations(
            random.Random(seed + 1), partners, year - 1, today
        )
    return +created


def _seed_partners(vocab):
    departments = {d.code: d for d in Department.objects.filter(code__in={p[0] for p in PARTNERS})}
    communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in={p[4] for p in PARTNERS})}
    existing = set(Partner.objects.values_list("department__code", "name_key"))
    missing = []
    for code, name, partner_type, category, insee_code, phone, website in PARTNERS:
        if code not in departments or (code, partner_name_key(name)) in existing:
            continue
        missing.append(
            Partner(
                department=departments[code],
                name=name,
                name_key=partner_name_key(name),
                partner_type=partner_type,
                category=vocab[Vocabulary.PARTNER_CATEGORY][category],
                commune=communes.get(insee_code),
                phone=phone,
                website=website,
            )
        )
    Partner.objects.bulk_create(missing)
    return len(missing)


def _seed_partnerships(rng, holdings, partners, year):
    """Four to eight partners of the department for each mediator holding a post in `year`."""
    by_department = {}
    for partner in partners:
        by_department.setdefault(partner.department_id, []).append(partner)
    existing = set(MediatorPartner.objects.values_list("mediator_id", "partner_id"))
    missing = []
    for holding in holdings:
        candidates = by_department.get(holding.post.department_id, [])
        cpam = [p for p in candidates if p.partner_type == PartnerType.CPAM]
        chosen = rng.sample(candidates, min(len(candidates), rng.randint(4, 8)))
        if cpam and rng.random() < 0.8 and not any(p.partner_type == PartnerType.CPAM for p in chosen):
            chosen.append(rng.choice(cpam))
        latest = min(datetime.date(year, 6, 30), holding.end_date or datetime.date.max)
        for partner in chosen:
            # Draw the values first: the same draws on every run keep the next choices stable.
            since = _random_day(rng, holding.start_date, latest) if latest > holding.start_date else holding.start_date
            attends_bodies = rng.random() < 0.4
            if (holding.mediator_id, partner.pk) in existing:
                continue
            existing.add((holding.mediator_id, partner.pk))
            missing.append(
                MediatorPartner(
                    mediator=holding.mediator,
                    post=holding.post,
                    partner=partner,
                    since=since,
                    ended_on=holding.end_date,
                    attends_bodies=attends_bodies,
                )
            )
    MediatorPartner.objects.bulk_create(missing)
    return len(missing)


def _seed_referrals(rng, vocab, year, today):
    """About sixty referrals over the twelve months before `today`: most routed by commune
    (accepted into a sheet, declined or still pending), a few for communes no held post covers,
    waiting for a coordinator."""
    year_ago = today - datetime.timedelta(days=360)
    covered = list(
        Commune.objects.filter(posts__pk__in=PostHolding.objects.filter(end_date__isnull=True).values("post_id"))
        .select_related("department")
        .distinct()
        .order_by("insee_code")
    )
    unrouted = list(Commune.objects.filter(insee_code__in=UNROUTED_COMMUNES).select_related("department"))
    reasons = list(vocab[Vocabulary.REFERRAL_REASON].values())
    came_via = vocab[Vocabulary.CAME_VIA]["partner_referral"]
    plans = []  # (commune, status, received day)
    # The featured mediators (Lille, Lens) find pending referrals in their inbox.
    featured = {c.insee_code: c for c in covered if c.insee_code in FEATURED_COMMUNES}
    for insee_code, statuses in FEATURED_COMMUNES.items():
        for status in statuses:
            if insee_code in featured:
                if status == ReferralStatus.PENDING:
                    day = today - datetime.timedelta(days=rng.randint(1, 12))
                else:
                    day = _random_day(rng, year_ago, today - datetime.timedelta(days=3))
                plans.append((featured[insee_code], status, day))
    while len(plans) < 60:
        n = len(plans)
        if n % 8 == 7 and unrouted:
            plans.append(
                (rng.choice(unrouted), ReferralStatus.PENDING, today - datetime.timedelta(days=rng.randint(1, 20)))
            )
            continue
        status = rng.choices(list(ReferralStatus), weights=[25, 55, 20])[0]
        if status == ReferralStatus.PENDING:
            day = today - datetime.timedelta(days=rng.randint(0, 25))
        else:
            day = _random_day(rng, year_ago, today - datetime.timedelta(days=3))
        plans.append((rng.choice(covered), status, day))

    referrals = []
    now = timezone.now()
    for commune, status, day in plans:
        post = services.route(commune, day) if commune.insee_code not in UNROUTED_COMMUNES else None
        if post is None and status != ReferralStatus.PENDING:
            status = ReferralStatus.PENDING
        female = rng.random() < 0.62
        name, profession, structure = rng.choice(REFERRERS)
        received = min(_aware(day, rng.randint(8, 18), rng.choice([0, 15, 30, 45])), now - datetime.timedelta(hours=1))
        referral = Referral(
            received_at=received,
            referrer_name=name,
            referrer_profession=profession,
            referrer_structure=structure,
            referrer_email=f"{search_key(name).replace(' ', '.')}@{REFERRER_EMAIL_DOMAIN}",
            patient_last_name=rng.choice(LAST_NAMES),
            patient_first_name=rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M),
            patient_phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            commune=commune,
            department=commune.department,
            message=rng.choice(
                ["", "", "Joignable plutôt le matin.", "Parle peu le français : prévoir un interprète."]
            ),
            patient_agreed=True,
            post=post,
            status=status,
        )
        referral.female = female
        if status != ReferralStatus.PENDING:
            referral.first_contact_at = min(received + datetime.timedelta(hours=rng.randint(3, 96)), now)
            referral.decided_at = min(referral.first_contact_at + datetime.timedelta(days=rng.randint(0, 6)), now)
            if status == ReferralStatus.DECLINED:
                referral.decline_reason = rng.choice(DECLINE_REASONS)
        elif post is not None and rng.random() < 0.3:
            referral.first_contact_at = min(received + datetime.timedelta(hours=rng.randint(2, 48)), now)
        referrals.append(referral)
    created = Referral.objects.bulk_create(referrals)
    for referral, source in zip(created, referrals, strict=True):
        referral.female = source.female
        referral.reference = services.reference_for(referral)
    Referral.reasons.through.objects.bulk_create(
        Referral.reasons.through(referral_id=r.pk, vocabularyitem_id=item.pk)
        for r in created
        for item in rng.sample(reasons, rng.choice([1, 1, 2]))
    )

    accepted = [r for r in created if r.status == ReferralStatus.ACCEPTED]
    holders = {}
    for referral in accepted:
        holders[referral.pk] = referral.post.holder_on(timezone.localtime(referral.decided_at).date())
        referral.decided_by = holders[referral.pk]
    sex = vocab[Vocabulary.SEX]
    people = [
        Beneficiary(
            structure=r.post.structure,
            referent=holders[r.pk],
            last_name=r.patient_last_name,
            first_name=r.patient_first_name,
            name_key=search_key(r.patient_last_name, r.patient_first_name),
            birth_year=rng.randint(year - 80, year - 20),
            sex=sex["female" if r.female else "male"],
            phone=r.patient_phone,
            commune=r.commune,
            came_via=came_via,
            consent_on=timezone.localtime(r.received_at).date(),
            consent_method=ConsentMethod.REFERRAL,
            external_id=f"demo-orientation-{r.pk}",
        )
        for r in accepted
    ]
    for person in people:
        person.fill_duplicate_keys()  # save() would, bulk_create does not
    people = Beneficiary.objects.bulk_create(people)
    sheets = []
    for referral, person in zip(accepted, people, strict=True):
        opened = timezone.localtime(referral.decided_at).date()
        sheets.append(
            Sheet(
                beneficiary=person,
                mediator=holders[referral.pk],
                post=referral.post,
                opened_on=opened,
                sex=person.sex,
                age=opened.year - person.birth_year,
                came_via=came_via,
            )
        )
    sheets = Sheet.objects.bulk_create(sheets)
    rights = list(vocab[Vocabulary.RIGHTS_REQUEST].values())
    requests = []
    for referral, sheet in zip(accepted, sheets, strict=True):
        referral.sheet = sheet
        resolved = sheet.opened_on < today - datetime.timedelta(days=60) and rng.random() < 0.7
        requests.append(
            SheetRequest(
                sheet=sheet,
                domain=RequestDomain.RIGHTS,
                kind=rng.choice(rights),
                status=RequestStatus.RESOLVED if resolved else RequestStatus.IN_PROGRESS,
                opened_on=sheet.opened_on,
                closed_on=sheet.opened_on + datetime.timedelta(days=30) if resolved else None,
            )
        )
    SheetRequest.objects.bulk_create(requests)
    declined = [r for r in created if r.status == ReferralStatus.DECLINED]
    for referral in declined:
        referral.decided_by = referral.post.holder_on(timezone.localtime(referral.decided_at).date())
    Referral.objects.bulk_update(created, ["reference", "sheet", "decided_by"])
    return Counter(
        {
            "orientations reçues": len(created),
            "personnes orientées acceptées": len(people),
            "fiches ouvertes sur orientation": len(sheets),
        }
    )


def _seed_outreach(rng, holdings, year, today):
    """Two or three sessions for each holding of the year (about forty in all), none after `today`."""
    sessions = []
    for holding in holdings:
        communes = list(holding.post.communes.all())
        first = max(holding.start_date, datetime.date(year, 1, 1))
        last = min(holding.end_date or datetime.date(year, 12, 31), datetime.date(year, 12, 31), today)
        if not communes or last < first:
            continue
        for _ in range(rng.choice([2, 2, 3])):
            commune = rng.choice(communes)
            qpvs = [q for q in holding.post.qpvs.all() if commune in q.communes.all()]
            dwellings = rng.randint(12, 90)
            met = rng.randint(dwellings // 4, max(dwellings // 4, dwellings * 2 // 3))
            sessions.append(
                OutreachSession(
                    mediator=holding.mediator,
                    post=holding.post,
                    date=_random_day(rng, first, last),
                    commune=commune,
                    qpv=qpvs[0] if qpvs else None,
                    place=rng.choice(PLACES.get(holding.post.post_type, PLACES["qpv"])),
                    dwellings_visited=dwellings,
                    people_met=met,
                    people_accepted_presentation=rng.randint(met // 3, met),
                )
            )
    OutreachSession.objects.bulk_create(sessions)
    return len(sessions)


def _seed_actions(rng, vocab, holdings, partners, year, today):
    """Two to four collective actions for each holding of the year (about fifty), none after
    `today`, each with one or two partners (from the directory, or only a partner type)."""
    themes, publics = vocab[Vocabulary.PREVENTION_THEME], vocab[Vocabulary.PUBLIC]
    by_department = {}
    for partner in partners:
        by_department.setdefault(partner.department_id, []).append(partner)
    actions, plans = [], []
    for holding in holdings:
        first = max(holding.start_date, datetime.date(year, 1, 1))
        last = min(holding.end_date or datetime.date(year, 12, 31), datetime.date(year, 12, 31), today)
        if last < first:
            continue
        for _ in range(rng.choice([2, 3, 3, 4])):
            title, theme_codes = rng.choice(ACTIONS)
            role = rng.choices(list(ActionRole), weights=[60, 20, 20])[0]
            audience = (
                ActionAudience.PROFESSIONALS
                if "professionnels" in title
                else rng.choices(list(ActionAudience), weights=[85, 15])[0]
            )
            actions.append(
                CollectiveAction(
                    mediator=holding.mediator,
                    post=holding.post,
                    date=_random_day(rng, first, last),
                    title=title,
                    role=role,
                    audience=audience,
                    participants=rng.randint(6, 60),
                    place=holding.post.structure.name,
                )
            )
            plans.append((holding, theme_codes))
    actions = CollectiveAction.objects.bulk_create(actions)
    theme_links, public_links, partner_links = [], [], []
    for action, (holding, theme_codes) in zip(actions, plans, strict=True):
        theme_links += [
            CollectiveAction.themes.through(collectiveaction_id=action.pk, vocabularyitem_id=themes[c].pk)
            for c in theme_codes
        ]
        public_links += [
            CollectiveAction.publics.through(collectiveaction_id=action.pk, vocabularyitem_id=p.pk)
            for p in rng.sample([publics[c] for c in AUDIENCE_PUBLICS[action.audience]], rng.randint(1, 2))
        ]
        candidates = by_department.get(holding.post.department_id, [])
        for partner in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
            partner_links.append(ActionPartner(action=action, partner=partner, partner_type=partner.partner_type))
        if rng.random() < 0.25:
            partner_links.append(ActionPartner(action=action, partner_type=PartnerType.HEALTH_PROFESSIONAL))
    CollectiveAction.themes.through.objects.bulk_create(theme_links)
    CollectiveAction.publics.through.objects.bulk_create(public_links)
    ActionPartner.objects.bulk_create(partner_links)
    return len(actions)


ORIENTATION_REASONS = [
    "Ouverture des droits à la Complémentaire santé solidaire",
    "Recherche d'un médecin traitant",
    "Bilan de santé",
    "Dossier de reconnaissance de handicap",
    "Soutien psychologique",
    "Aide alimentaire et budget",
    "Dépistage organisé",
]
ORIENTATION_SHARE = 0.15  # of the sheets


def _seed_orientations(rng, partners, first_year, today):
    """About one sheet in seven sends its person on to a partner of the department (or a type of
    partner), a few days after the sheet opened and never after `today`; the most recent ones
    still wait for an answer."""
    by_department = {}
    for partner in partners:
        by_department.setdefault(partner.department_id, []).append(partner)
    sheets = Sheet.objects.filter(opened_on__gte=datetime.date(first_year, 1, 1)).select_related("post").order_by("pk")
    orientations = []
    for sheet in sheets.iterator(chunk_size=2000):
        if rng.random() >= ORIENTATION_SHARE:
            continue
        day = min(sheet.opened_on + datetime.timedelta(days=rng.randint(0, 20)), today)
        candidates = by_department.get(sheet.post.department_id, [])
        partner = rng.choice(candidates) if candidates and rng.random() < 0.85 else None
        if (today - day).days < 15:
            outcome = OrientationOutcome.PENDING
        else:
            outcome = rng.choices(list(OrientationOutcome), weights=[8, 62, 18, 12])[0]
        orientations.append(
            Orientation(
                sheet=sheet,
                mediator_id=sheet.mediator_id,
                post=sheet.post,
                partner=partner,
                partner_type=partner.partner_type if partner else rng.choice(list(PartnerType)),
                date=day,
                reason=rng.choice(ORIENTATION_REASONS),
                outcome=outcome,
            )
        )
    Orientation.objects.bulk_create(orientations, batch_size=2000)
    return len(orientations)
