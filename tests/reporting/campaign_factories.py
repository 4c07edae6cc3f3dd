"""Builders for the campaign's tests: mediators on posts, their year's records (sheets,
orientations, collective actions, partners, outreach), campaigns and bilans."""

import datetime

import factory
from factory.django import DjangoModelFactory

from mediation.enums import Role
from mediation.models import VocabularyItem
from partners.enums import ActionAudience, ActionRole, PartnerType
from partners.models import ActionPartner, CollectiveAction, MediatorPartner, Orientation, OutreachSession, Partner
from reporting.enums import BilanState
from reporting.models import AnnualBilan, Campaign
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.factories import (
    CommuneFactory,
    MembershipFactory,
    PostFactory,
    PostHoldingFactory,
    StructureFactory,
    UserFactory,
    department,
)

YEAR = 2024
D = datetime.date
LONG_BEFORE = D(YEAR - 2, 1, 1)
LAST_SUMMER = D(YEAR - 1, 6, 1)
IN_MARCH = D(YEAR, 3, 1)
IN_APRIL = D(YEAR, 4, 2)
IN_MAY = D(YEAR, 5, 10)


def vocabulary_item(vocabulary, code):
    return VocabularyItem.objects.get(vocabulary=vocabulary, code=code)


def mediator_on(post=None, *, start=LONG_BEFORE, end=None, structure=None, **user_fields):
    """A mediator account holding `post` (created in the Nord when not given) from `start`."""
    if post is None:
        post = PostFactory(structure=structure or StructureFactory())
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, role=Role.MEDIATOR, structure=post.structure)
    PostHoldingFactory(post=post, mediator=user, start_date=start, end_date=end)
    return user


def post_in(department_code="59", **fields):
    structure = StructureFactory(commune=CommuneFactory(department=department(department_code)))
    return PostFactory(structure=structure, department=department(department_code), **fields)


def sheet_for(mediator, post, opened_on=IN_MARCH, beneficiary=None, **fields):
    beneficiary = beneficiary or BeneficiaryFactory(structure=post.structure, referent=mediator)
    return SheetFactory(beneficiary=beneficiary, mediator=mediator, post=post, opened_on=opened_on, **fields)


def partner(category_code="health", partner_type=PartnerType.HEALTH_PROFESSIONAL, code="59", **fields):
    return Partner.objects.create(
        department=department(code),
        name=fields.pop("name", f"Partenaire {Partner.objects.count() + 1}"),
        category=vocabulary_item("partner_category", category_code),
        partner_type=partner_type,
        **fields,
    )


def partnership(mediator, post, the_partner, since=LAST_SUMMER, ended_on=None, **fields):
    return MediatorPartner.objects.create(
        mediator=mediator, post=post, partner=the_partner, since=since, ended_on=ended_on, **fields
    )


def orientation(sheet, partner_type=PartnerType.CPAM, date=None, **fields):
    return Orientation.objects.create(
        sheet=sheet,
        mediator=sheet.mediator,
        post=sheet.post,
        partner_type=partner_type,
        date=date or sheet.opened_on,
        reason="Ouverture de droits",
        **fields,
    )


def action(mediator, post, role=ActionRole.CO_ANIMATED, audience=ActionAudience.PUBLIC, date=IN_MAY, **kw):
    themes = kw.pop("themes", [])
    publics = kw.pop("publics", [])
    partner_types = kw.pop("partner_types", [])
    created = CollectiveAction.objects.create(
        mediator=mediator, post=post, date=date, title="Atelier", role=role, audience=audience, **kw
    )
    created.themes.set(themes)
    created.publics.set(publics)
    for partner_type in partner_types:
        ActionPartner.objects.create(action=created, partner_type=partner_type)
    return created


def outreach(mediator, post, date=IN_APRIL, met=10, dwellings=25):
    return OutreachSession.objects.create(
        mediator=mediator,
        post=post,
        date=date,
        commune=post.structure.commune,
        people_met=met,
        dwellings_visited=dwellings,
    )


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    year = YEAR
    deadline = D(YEAR + 1, 2, 28)
    opened_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def departments(obj, create, extracted, **kwargs):
        if create:
            obj.departments.set(extracted if extracted is not None else [department("59")])


class AnnualBilanFactory(DjangoModelFactory):
    class Meta:
        model = AnnualBilan

    campaign = factory.SubFactory(CampaignFactory)
    mediator = factory.LazyAttribute(lambda o: mediator_on(o.post))
    post = factory.SubFactory(PostFactory)
    year = factory.LazyAttribute(lambda o: o.campaign.year)
    department = factory.LazyAttribute(lambda o: o.post.department)
    post_type = factory.LazyAttribute(lambda o: o.post.post_type)
    state = BilanState.NOT_STARTED
    days_held = 366
    usable = True
