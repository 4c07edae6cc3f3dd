"""Whatever is posted to the sheet form, the answer is a page or a redirect, never a 500, and a
sheet is saved only with requests whose status, dates and type hold together."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accompaniments.enums import RequestDomain, RequestStatus
from accompaniments.models import Sheet
from accompaniments.sheet_forms import MAX_REQUESTS_PER_SHEET, REQUEST_VOCABULARY
from mediation.enums import Vocabulary
from mediation.models import VocabularyItem
from tests.accompaniments.sheet_fixtures import Team

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()

# Text a browser can send: any character but lone surrogates, which cannot be encoded.
texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80)
big_ints = st.integers(min_value=-(2**70), max_value=2**70).map(str)
any_date = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(
    datetime.date.isoformat
)
near_date = st.integers(min_value=-400, max_value=30).map(lambda d: (TODAY + datetime.timedelta(days=d)).isoformat())
dates = st.one_of(near_date, near_date, any_date, texts, st.just(""))


def value(good):
    """Mostly a plausible value, sometimes anything at all."""
    return st.one_of(good, good, texts, big_ints, st.just(""))


def request_rows(kind_pks):
    return st.fixed_dictionaries(
        {
            "domain": value(st.sampled_from(RequestDomain.values)),
            "kind": value(st.sampled_from(kind_pks)),
            "status": value(st.sampled_from(RequestStatus.values)),
            "opened_on": dates,
            "closed_on": dates,
            "follow_up_on": dates,
            "note": texts,
            "DELETE": st.sampled_from(["", "", "on", "x"]),
        }
    )


def vocabulary_pks(vocabulary):
    return list(VocabularyItem.objects.filter(vocabulary=vocabulary).values_list("pk", flat=True).order_by("pk"))


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


def check_saved_sheets(team):
    for sheet in Sheet.objects.prefetch_related("requests__kind"):
        assert sheet.opened_on <= TODAY
        assert sheet.beneficiary_id == team.person.pk
        assert sheet.contacts.count() == 1
        for request in sheet.requests.all():
            assert request.kind.vocabulary == REQUEST_VOCABULARY[request.domain]
            assert sheet.opened_on <= request.opened_on <= TODAY
            if request.status == RequestStatus.IN_PROGRESS:
                assert request.closed_on is None
                assert request.follow_up_on is None or request.follow_up_on >= request.opened_on
            else:
                assert request.closed_on is not None
                assert request.opened_on <= request.closed_on <= TODAY
                assert request.follow_up_on is None


def post_and_check(client, team, body, rows):
    body["requests-MIN_NUM_FORMS"] = "0"
    body["requests-MAX_NUM_FORMS"] = str(MAX_REQUESTS_PER_SHEET)
    for index, row in enumerate(rows):
        for name, field_value in row.items():
            body[f"requests-{index}-{name}"] = field_value
    url = reverse("accompaniments:sheet_create") + f"?beneficiary={team.person.pk}"
    with transaction.atomic():
        response = client.post(url, body)
        assert response.status_code in (200, 302)
        event("sheet saved" if Sheet.objects.exists() else "form re-shown")
        check_saved_sheets(team)
        transaction.set_rollback(True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_post_is_answered_and_only_consistent_sheets_are_saved(client, team, data):
    kind_pks = vocabulary_pks(Vocabulary.RIGHTS_REQUEST) + vocabulary_pks(Vocabulary.CARE_REQUEST)
    rows = data.draw(st.lists(request_rows(kind_pks), max_size=3))
    body = data.draw(
        st.fixed_dictionaries(
            {
                "opened_on": dates,
                "post": value(st.just(str(team.post.pk))),
                "contact_mode": value(st.sampled_from(vocabulary_pks(Vocabulary.CONTACT_MODE))),
                "resources": value(st.sampled_from(vocabulary_pks(Vocabulary.RESOURCES))),
                "lives_in_qpv": st.sampled_from(["True", "False", "", "maybe"]),
                "came_via": value(st.sampled_from(vocabulary_pks(Vocabulary.CAME_VIA))),
                "barriers": st.lists(value(st.sampled_from(vocabulary_pks(Vocabulary.CARE_BARRIER))), max_size=3),
                "notes": texts,
                "submission_key": st.one_of(st.uuids().map(str), texts),
                "requests-TOTAL_FORMS": st.one_of(st.just(str(len(rows))), st.integers(-3, 100_000).map(str), texts),
                "requests-INITIAL_FORMS": st.sampled_from(["0", "0", "1", "-1", "x"]),
            }
        )
    )
    post_and_check(client, team, body, rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plausible_posts_save_only_consistent_requests(client, team, data):
    """Well-formed values in any combination: statuses, dates and types that may not agree."""
    kind_pks = vocabulary_pks(Vocabulary.RIGHTS_REQUEST) + vocabulary_pks(Vocabulary.CARE_REQUEST)
    optional_date = st.one_of(st.just(""), near_date)
    rows = data.draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "domain": st.sampled_from(RequestDomain.values),
                    "kind": st.sampled_from(kind_pks),
                    "status": st.sampled_from(RequestStatus.values),
                    "opened_on": optional_date,
                    "closed_on": optional_date,
                    "follow_up_on": optional_date,
                    "note": st.text(max_size=10),
                }
            ),
            max_size=3,
        )
    )
    body = {
        "opened_on": data.draw(st.integers(-400, 1).map(lambda d: (TODAY + datetime.timedelta(days=d)).isoformat())),
        "post": str(team.post.pk),
        "contact_mode": str(vocabulary_pks(Vocabulary.CONTACT_MODE)[0]),
        "lives_in_qpv": "True",
        "requests-TOTAL_FORMS": str(len(rows)),
        "requests-INITIAL_FORMS": "0",
    }
    post_and_check(client, team, body, rows)
