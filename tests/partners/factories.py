"""Factories for partners and the activity around them."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from mediation.enums import Vocabulary
from partners.enums import ActionAudience, ActionRole, PartnerType
from partners.models import (
    ActionPartner,
    CollectiveAction,
    MediatorPartner,
    Orientation,
    OutreachSession,
    Partner,
    Referral,
)
from tests.accompaniments.factories import item
from tests.factories import department


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    department = factory.LazyFunction(department)
    name = factory.Sequence(lambda n: f"Association partenaire {n}")
    partner_type = PartnerType.LOCAL_ASSOCIATION
    category = factory.LazyFunction(lambda: item(Vocabulary.PARTNER_CATEGORY, "social"))

    class Params:
        cpam = factory.Trait(partner_type=PartnerType.CPAM, name=factory.Sequence(lambda n: f"CPAM n° {n}"))
        caf = factory.Trait(partner_type=PartnerType.CAF, name=factory.Sequence(lambda n: f"CAF n° {n}"))


class MediatorPartnerFactory(DjangoModelFactory):
    class Meta:
        model = MediatorPartner

    partner = factory.SubFactory(PartnerFactory)
    since = datetime.date(2024, 1, 15)


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral
        skip_postgeneration_save = True

    referrer_name = "Dr Claire Vandamme"
    referrer_profession = "Médecin généraliste"
    referrer_email = "claire.vandamme@exemple.fr"
    patient_last_name = "Benali"
    patient_first_name = "Samira"
    patient_phone = "06 11 22 33 44"
    department = factory.LazyAttribute(lambda o: o.commune.department)
    patient_agreed = True
    reference = factory.Sequence(lambda n: f"ORI-2025-{n + 900000:06d}")
    received_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2))

    @factory.post_generation
    def reasons(obj, create, extracted, **kwargs):
        if create:
            obj.reasons.set(extracted or [item(Vocabulary.REFERRAL_REASON, "acces_aux_droits")])


class OrientationFactory(DjangoModelFactory):
    class Meta:
        model = Orientation

    mediator = factory.LazyAttribute(lambda o: o.sheet.mediator)
    post = factory.LazyAttribute(lambda o: o.sheet.post)
    partner_type = PartnerType.CPAM
    date = factory.LazyAttribute(lambda o: o.sheet.opened_on)
    reason = "Ouverture des droits"


class OutreachSessionFactory(DjangoModelFactory):
    class Meta:
        model = OutreachSession

    date = datetime.date(2025, 3, 12)
    dwellings_visited = 40
    people_met = 15
    people_accepted_presentation = 9


class CollectiveActionFactory(DjangoModelFactory):
    class Meta:
        model = CollectiveAction
        skip_postgeneration_save = True

    date = datetime.date(2025, 3, 20)
    title = "Stand Mars bleu"
    role = ActionRole.CO_ANIMATED
    audience = ActionAudience.PUBLIC
    participants = 25

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create:
            obj.themes.set(extracted or [item(Vocabulary.PREVENTION_THEME, "cancer_depistages")])


class ActionPartnerFactory(DjangoModelFactory):
    class Meta:
        model = ActionPartner

    partner_type = PartnerType.CPAM
