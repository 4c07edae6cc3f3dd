"""Each pre-filled figure of the annual bilan, against small hand-built years of records."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediation.enums import Vocabulary
from partners.enums import ActionAudience, ActionRole, PartnerType
from reporting import prefill
from reporting.campaigns import apply_prefill
from reporting.enums import FigureKey
from tests.accompaniments.factories import SheetRequestFactory

from .campaign_factories import (
    YEAR,
    AnnualBilanFactory,
    D,
    action,
    mediator_on,
    orientation,
    outreach,
    partner,
    partnership,
    post_in,
    sheet_for,
    vocabulary_item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return post_in("59")


@pytest.fixture
def mediator(post):
    return mediator_on(post)


def figures_of(mediator):
    return prefill.compute(YEAR, [mediator.pk])[mediator.pk].figures


def test_people_are_distinct_people_with_a_sheet_request_or_orientation_in_the_year(mediator, post):
    first = sheet_for(mediator, post, lives_in_qpv=True)
    sheet_for(mediator, post, beneficiary=first.beneficiary, opened_on=D(YEAR, 9, 1))  # came back: counted once
    sheet_for(mediator, post, lives_in_qpv=False)
    older = sheet_for(mediator, post, opened_on=D(YEAR - 1, 11, 5), lives_in_qpv=True)
    SheetRequestFactory(sheet=older, opened_on=D(YEAR, 1, 10))  # came back in N on an older sheet
    oriented = sheet_for(mediator, post, opened_on=D(YEAR - 1, 10, 1), lives_in_qpv=False)
    orientation(oriented, date=D(YEAR, 2, 1))
    sheet_for(mediator, post, opened_on=D(YEAR - 1, 5, 1))  # nothing in N
    sheet_for(mediator, post, opened_on=D(YEAR + 1, 1, 2))  # next year
    sheet_for(mediator_on(post_in("59")), post)  # another mediator

    figures = figures_of(mediator)
    assert figures[FigureKey.PEOPLE_TOTAL] == 4
    assert figures[FigureKey.PEOPLE_QPV] == 2


def test_people_for_rights_and_for_care_have_a_request_of_that_domain_opened_in_the_year(mediator, post):
    both = sheet_for(mediator, post)
    SheetRequestFactory(sheet=both)
    SheetRequestFactory(sheet=both)  # two rights requests: one person
    SheetRequestFactory(sheet=both, care=True)
    rights_only = sheet_for(mediator, post)
    SheetRequestFactory(sheet=rights_only)
    care_last_year = sheet_for(mediator, post)
    SheetRequestFactory(sheet=care_last_year, care=True, opened_on=D(YEAR, 3, 1))
    SheetRequestFactory(sheet=care_last_year, care=True, opened_on=D(YEAR + 1, 1, 5))  # next year
    sheet_for(mediator, post)  # no request

    figures = figures_of(mediator)
    assert figures[FigureKey.PEOPLE_TOTAL] == 4
    assert figures[FigureKey.PEOPLE_RIGHTS] == 2
    assert figures[FigureKey.PEOPLE_CARE] == 2


def test_people_oriented_to_social_protection_bodies(mediator, post):
    to_cpam = sheet_for(mediator, post)
    orientation(to_cpam, PartnerType.CPAM)
    orientation(to_cpam, PartnerType.CAF)  # same person twice
    orientation(sheet_for(mediator, post), PartnerType.MSA)
    orientation(sheet_for(mediator, post), PartnerType.HEALTH_PROFESSIONAL)  # not social protection
    orientation(sheet_for(mediator, post), PartnerType.CAF, date=D(YEAR + 1, 1, 3))  # next year

    figures = figures_of(mediator)
    assert figures[FigureKey.PEOPLE_SOCIAL_PROTECTION] == 2
    assert figures[FigureKey.PEOPLE_TOTAL] == 4


def test_collective_actions_by_role_and_audience(mediator, post):
    action(mediator, post, ActionRole.CO_ANIMATED, ActionAudience.PUBLIC)
    action(mediator, post, ActionRole.CO_ANIMATED, ActionAudience.PUBLIC)
    action(mediator, post, ActionRole.CO_ANIMATED, ActionAudience.PROFESSIONALS)
    action(mediator, post, ActionRole.CO_CONSTRUCTED, ActionAudience.PUBLIC)
    action(mediator, post, ActionRole.ATTENDED, ActionAudience.PROFESSIONALS)
    action(mediator, post, ActionRole.ATTENDED, ActionAudience.PUBLIC)
    action(mediator, post, ActionRole.ATTENDED, ActionAudience.PUBLIC)
    action(mediator, post, ActionRole.CO_ANIMATED, ActionAudience.PUBLIC, date=D(YEAR - 1, 12, 31))

    figures = figures_of(mediator)
    assert figures[FigureKey.ACTIONS_PUBLIC] == 2
    assert figures[FigureKey.ACTIONS_PROFESSIONALS] == 1
    assert figures[FigureKey.ACTIONS_COCONSTRUCTED] == 1
    assert figures[FigureKey.ACTIONS_ATTENDED] == 3


def test_partners_of_the_year_by_category_and_cpam_partnership(mediator, post):
    partnership(mediator, post, partner("health", PartnerType.HEALTH_PROFESSIONAL))
    partnership(mediator, post, partner("health", PartnerType.CPAM))
    partnership(mediator, post, partner("social", PartnerType.SOCIAL_CENTRE), attends_bodies=True)
    partnership(mediator, post, partner("medico_social", PartnerType.SPECIALISED), since=D(YEAR, 12, 1))
    partnership(mediator, post, partner("social"), ended_on=D(YEAR - 1, 12, 31))  # ended before N
    partnership(mediator, post, partner("social"), since=D(YEAR + 1, 1, 5))  # after N

    result = prefill.compute(YEAR, [mediator.pk])[mediator.pk]
    assert result.figures[FigureKey.PARTNERS_HEALTH] == 2
    assert result.figures[FigureKey.PARTNERS_SOCIAL] == 1
    assert result.figures[FigureKey.PARTNERS_MEDICOSOCIAL] == 1
    assert result.cpam_partnership is True
    assert result.partner_bodies is True


def test_outreach_sums_people_met_and_dwellings_visited(mediator, post):
    outreach(mediator, post, met=12, dwellings=30)
    outreach(mediator, post, met=8, dwellings=20)
    outreach(mediator, post, date=D(YEAR - 1, 6, 1), met=100, dwellings=100)

    figures = figures_of(mediator)
    assert figures[FigureKey.OUTREACH_PEOPLE_MET] == 20
    assert figures[FigureKey.OUTREACH_DWELLINGS] == 50


def test_a_mediator_without_records_gets_zeros_and_no_suggestion(mediator):
    result = prefill.compute(YEAR, [mediator.pk])[mediator.pk]
    assert set(result.figures.values()) == {0}
    assert not result.themes and not result.publics and not result.coanimating_partner_types
    assert result.cpam_partnership is False


def test_themes_partner_types_and_publics_are_suggested_from_the_actions_and_partners(mediator, post):
    nutrition = vocabulary_item(Vocabulary.PREVENTION_THEME, "nutrition")
    addictions = vocabulary_item(Vocabulary.PREVENTION_THEME, "addictions")
    habitants = vocabulary_item(Vocabulary.PUBLIC, "habitants")
    parents = vocabulary_item(Vocabulary.PUBLIC, "parents")
    action(mediator, post, themes=[nutrition], publics=[habitants], partner_types=[PartnerType.CPAM])
    action(mediator, post, ActionRole.CO_CONSTRUCTED, themes=[nutrition], partner_types=[PartnerType.CCAS])
    action(mediator, post, ActionRole.ATTENDED, themes=[addictions], partner_types=[PartnerType.LANDLORD])
    the_partner = partner("social", PartnerType.SOCIAL_CENTRE)
    the_partner.publics.set([parents])
    partnership(mediator, post, the_partner)

    result = prefill.compute(YEAR, [mediator.pk])[mediator.pk]
    assert result.themes == {nutrition.pk}  # attended actions do not count as the mediator's themes
    assert result.publics == {habitants.pk, parents.pk}
    codes = {vocabulary_item(Vocabulary.COANIMATING_PARTNER, code).pk for code in ("cpam", "ville_collectivite")}
    assert result.coanimating_partner_types == codes


def test_every_figure_has_its_method_with_the_year():
    for key in FigureKey.values:
        assert str(YEAR) in prefill.method_of(key, YEAR) or "Parmi elles" in prefill.method_of(key, YEAR)


def test_a_whole_campaign_is_computed_in_a_fixed_number_of_queries():
    def build(n):
        mediators = []
        for _ in range(n):
            post = post_in("59")
            mediator = mediator_on(post)
            sheet = sheet_for(mediator, post)
            SheetRequestFactory(sheet=sheet)
            orientation(sheet)
            action(mediator, post, partner_types=[PartnerType.CPAM])
            partnership(mediator, post, partner())
            outreach(mediator, post)
            mediators.append(mediator.pk)
        return mediators

    few, many = build(2), build(6)
    with CaptureQueriesContext(connection) as small:
        prefill.compute(YEAR, few)
    with CaptureQueriesContext(connection) as large:
        prefill.compute(YEAR, few + many)
    assert len(small) == len(large) <= 10


def test_apply_prefill_keeps_the_declared_values_and_refreshes_the_computed_ones(mediator, post):
    bilan = AnnualBilanFactory(mediator=mediator, post=post)
    sheet_for(mediator, post)
    apply_prefill([bilan], preselect=True)
    figure = bilan.figures.get(key=FigureKey.PEOPLE_TOTAL)
    assert (figure.computed, figure.declared) == (1, None)
    figure.declared = 5
    figure.save()

    sheet_for(mediator, post)
    apply_prefill([bilan], preselect=True)
    figure.refresh_from_db()
    assert (figure.computed, figure.declared) == (2, 5)
    assert bilan.figures.count() == len(FigureKey.values)
