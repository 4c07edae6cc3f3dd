"""The mediator's bilan form and the review workflow: drafts, consistency checks, submission,
send back, correction, validation, locking and reopening, the usable flag and gap flags."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Role, Vocabulary
from mediation.middleware import PRESERVED_POST_KEY
from reporting.campaign_forms import figure_field_name
from reporting.campaigns import open_campaign
from reporting.enums import BilanAction, BilanState, FigureKey, has_gap
from reporting.models import AnnualBilan, BilanEvent
from tests.accompaniments.factories import SheetRequestFactory
from tests.conftest import enable_totp
from tests.factories import department, make_user

from .campaign_factories import YEAR, D, mediator_on, post_in, sheet_for, vocabulary_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator():
    post = post_in("59")
    user = mediator_on(post)
    for _ in range(10):
        sheet = sheet_for(user, post, lives_in_qpv=True)
        SheetRequestFactory(sheet=sheet)
    return user


@pytest.fixture
def coordinator():
    user = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(user)
    return user


@pytest.fixture
def bilan(mediator, coordinator):
    campaign = open_campaign(by=coordinator, year=YEAR, deadline=D(2100, 2, 28), departments=[department("59")])
    return campaign.bilans.get(mediator=mediator)


def edit_url(bilan):
    return reverse("campaigns:bilan_edit", kwargs={"pk": bilan.pk})


def complete_data(bilan, action="save", **overrides):
    """What the form posts when the mediator accepts every computed figure and answers everything."""
    bilan.refresh_from_db()
    data = {figure_field_name(f.key): f.value for f in bilan.figures.all()}
    data.update(
        {
            "version": bilan.version,
            "action": action,
            "cpam_partnership": "True",
            "identified_on_ground": "True",
            "missions_known": "False",
            "partner_bodies": "True",
            "trained": "False",
            "professional_project": vocabulary_item(Vocabulary.PROFESSIONAL_PROJECT, "emerging").pk,
            "themes": [vocabulary_item(Vocabulary.PREVENTION_THEME, "nutrition").pk],
            "health_needs": [vocabulary_item(Vocabulary.HEALTH_NEED, "sante_mentale").pk],
            "what_helped": "Le soutien de la structure",
        }
    )
    data.update(overrides)
    return data


def figure(bilan, key):
    return bilan.figures.get(key=key)


def stored(bilan, key):
    """(computed, declared) of a figure, as stored."""
    found = figure(bilan, key)
    return found.computed, found.declared


def typed(key, value):
    return {figure_field_name(key): value}


def submit(client, bilan):
    client.post(edit_url(bilan), complete_data(bilan, action="submit"))
    return client.post(reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk}))


# ---------------------------------------------------------------- the form


def test_each_figure_shows_its_computed_value_and_how_it_is_counted(client, mediator, bilan):
    client.force_login(mediator)
    page = client.get(edit_url(bilan)).content.decode()
    assert f'name="{figure_field_name(FigureKey.PEOPLE_TOTAL)}" value="10"' in page
    assert "Calculé à partir de vos saisies : <strong>10</strong>" in page
    assert "Comment c&#x27;est compté" in page or "Comment c'est compté" in page
    assert "Personnes distinctes de vos fiches" in page


def test_a_draft_keeps_the_declared_value_only_where_it_differs_from_the_computed_one(client, mediator, bilan):
    client.force_login(mediator)
    data = complete_data(bilan, **typed(FigureKey.PEOPLE_QPV, 8))
    response = client.post(edit_url(bilan), data)
    assert response.status_code == 302
    bilan.refresh_from_db()
    assert bilan.state == BilanState.DRAFT
    assert stored(bilan, FigureKey.PEOPLE_QPV) == (10, 8)
    assert figure(bilan, FigureKey.PEOPLE_TOTAL).declared is None
    assert [t.code for t in bilan.themes.all()] == ["nutrition"]
    assert bilan.missions_known is False


def test_an_of_which_figure_cannot_exceed_its_total(client, mediator, bilan):
    client.force_login(mediator)
    data = complete_data(bilan, **typed(FigureKey.PEOPLE_RIGHTS, 11))
    response = client.post(edit_url(bilan), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "ne peut dépasser le total des personnes accompagnées (10)" in page
    assert f'id="id_{figure_field_name(FigureKey.PEOPLE_RIGHTS)}-desc-error"' in page
    assert figure(bilan, FigureKey.PEOPLE_RIGHTS).declared is None
    bilan.refresh_from_db()
    assert bilan.state == BilanState.NOT_STARTED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3", "ne peut pas être négatif"),
        ("2.5", "nombre entier"),
        ("2,5", "nombre entier"),
        ("douze", "nombre entier"),
        ("99999999999999999999999", "trop grand"),
        ("100001", "trop grand"),
    ],
)
def test_figures_are_whole_non_negative_numbers(client, mediator, bilan, value, message):
    client.force_login(mediator)
    response = client.post(edit_url(bilan), complete_data(bilan, **typed(FigureKey.OUTREACH_DWELLINGS, value)))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert figure(bilan, FigureKey.OUTREACH_DWELLINGS).declared is None


@pytest.mark.parametrize(
    "tampered",
    [
        {"themes": ["999999"]},
        {"themes": ["pas-un-nombre"]},
        {"health_needs": ["0", "-1"]},
        {"professional_project": "424242"},
        {"cpam_partnership": "peut-être"},
        {"version": "abc"},
    ],
)
def test_tampered_or_unknown_values_are_refused_without_an_error_page(client, mediator, bilan, tampered):
    client.force_login(mediator)
    response = client.post(edit_url(bilan), complete_data(bilan, **tampered))
    assert response.status_code in (302, 400)
    assert AnnualBilan.objects.get(pk=bilan.pk).themes.count() in (0, 1)


def test_a_value_of_another_list_is_refused(client, mediator, bilan):
    client.force_login(mediator)
    barrier = vocabulary_item(Vocabulary.CARE_BARRIER, "mobilite")
    response = client.post(edit_url(bilan), complete_data(bilan, themes=[barrier.pk]))
    assert response.status_code == 400
    assert "Ce choix n&#x27;est pas proposé" in response.content.decode() or "pas proposé" in response.content.decode()


def test_submitting_requires_every_figure_and_answer(client, mediator, bilan):
    client.force_login(mediator)
    data = complete_data(bilan, action="submit", trained="", **typed(FigureKey.ACTIONS_PUBLIC, ""))
    response = client.post(edit_url(bilan), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Répondez à cette question avant de transmettre" in page
    assert "Indiquez un nombre (0 s&#x27;il n&#x27;y en a pas)" in page
    bilan.refresh_from_db()
    assert bilan.state == BilanState.NOT_STARTED


def test_the_confirmation_page_lists_what_is_missing(client, mediator, bilan):
    client.force_login(mediator)
    response = client.get(reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk}))
    assert "Il reste à répondre" in response.content.decode()
    response = client.post(reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk}))
    assert response.status_code == 400
    bilan.refresh_from_db()
    assert bilan.state == BilanState.NOT_STARTED


# ---------------------------------------------------------------- the workflow


def test_submit_send_back_correct_and_validate(
    client, mediator, coordinator, bilan, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(mediator)
    response = client.post(edit_url(bilan), complete_data(bilan, action="submit"))
    assert response["Location"] == reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk})
    assert "Confirmer la transmission" in client.get(response["Location"]).content.decode()
    client.post(reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk}))
    bilan.refresh_from_db()
    assert bilan.state == BilanState.SUBMITTED and bilan.submitted_at is not None
    assert "Bilan transmis" in client.get(edit_url(bilan)).content.decode()

    client.force_login(coordinator)
    review = reverse("campaigns:bilan_review", kwargs={"pk": bilan.pk})
    response = client.post(reverse("campaigns:bilan_send_back", kwargs={"pk": bilan.pk}), {"comment": "  "})
    assert response.status_code == 400
    assert "Expliquez ce qui est à corriger" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("campaigns:bilan_send_back", kwargs={"pk": bilan.pk}),
            {"comment": "Le nombre d'actions semble bas."},
        )
    bilan.refresh_from_db()
    assert bilan.state == BilanState.SENT_BACK
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [mediator.email]
    assert "Le nombre d'actions semble bas." in mailoutbox[0].body

    client.force_login(mediator)
    page = client.get(edit_url(bilan)).content.decode()
    assert "Le nombre d&#x27;actions semble bas." in page
    client.post(edit_url(bilan), complete_data(bilan, action="submit", **typed(FigureKey.ACTIONS_PUBLIC, 4)))
    client.post(reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk}))
    bilan.refresh_from_db()
    assert bilan.state == BilanState.SUBMITTED
    assert figure(bilan, FigureKey.ACTIONS_PUBLIC).declared == 4

    client.force_login(coordinator)
    assert client.post(reverse("campaigns:bilan_validate", kwargs={"pk": bilan.pk}))["Location"] == review
    bilan.refresh_from_db()
    assert bilan.state == BilanState.VALIDATED and bilan.validated_by == coordinator
    actions = list(BilanEvent.objects.filter(bilan=bilan).values_list("action", flat=True))
    assert actions == ["submitted", "sent_back", "submitted", "validated"]


def test_a_validated_bilan_is_locked_for_everyone(client, mediator, coordinator, bilan):
    client.force_login(mediator)
    submit(client, bilan)
    bilan.refresh_from_db()
    bilan.validate(by=coordinator)
    version = bilan.version

    page = client.get(edit_url(bilan)).content.decode()
    assert "Bilan validé par la coordination" in page and '<form method="post" novalidate>' not in page
    response = client.post(edit_url(bilan), complete_data(bilan, **typed(FigureKey.PEOPLE_TOTAL, 99)))
    assert response.status_code == 302
    client.post(reverse("campaigns:bilan_recompute", kwargs={"pk": bilan.pk}))
    client.post(reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk}))

    client.force_login(coordinator)
    client.post(reverse("campaigns:bilan_send_back", kwargs={"pk": bilan.pk}), {"comment": "Non"})
    client.post(reverse("campaigns:bilan_validate", kwargs={"pk": bilan.pk}))
    bilan.refresh_from_db()
    assert bilan.state == BilanState.VALIDATED
    assert bilan.version == version
    assert stored(bilan, FigureKey.PEOPLE_TOTAL) == (10, 10)  # as submitted, not the 99 typed afterwards


def test_reopening_a_validated_bilan_needs_a_reason_and_is_logged(client, mediator, coordinator, bilan):
    client.force_login(mediator)
    submit(client, bilan)
    bilan.refresh_from_db()
    bilan.validate(by=coordinator)
    client.force_login(coordinator)
    url = reverse("campaigns:bilan_reopen", kwargs={"pk": bilan.pk})

    response = client.post(url, {"reason": "", "to_state": "sent_back"})
    assert response.status_code == 400
    assert "Le motif de la réouverture est obligatoire" in response.content.decode()
    assert client.post(url, {"reason": "x", "to_state": "validated"}).status_code == 400
    bilan.refresh_from_db()
    assert bilan.state == BilanState.VALIDATED

    client.post(url, {"reason": "Erreur sur les actions", "to_state": "draft"})
    bilan.refresh_from_db()
    assert bilan.state == BilanState.DRAFT and bilan.validated_at is None
    event = BilanEvent.objects.filter(bilan=bilan).last()
    assert (event.action, event.comment, event.by) == (BilanAction.REOPENED, "Erreur sur les actions", coordinator)
    review = client.get(reverse("campaigns:bilan_review", kwargs={"pk": bilan.pk}))
    assert "Erreur sur les actions" in review.content.decode()


def test_only_a_submitted_bilan_is_validated(client, coordinator, bilan):
    client.force_login(coordinator)
    client.post(reverse("campaigns:bilan_validate", kwargs={"pk": bilan.pk}))
    bilan.refresh_from_db()
    assert bilan.state == BilanState.NOT_STARTED


def test_the_coordinator_overrides_the_usable_flag_with_a_reason(client, coordinator, bilan):
    client.force_login(coordinator)
    url = reverse("campaigns:bilan_usable", kwargs={"pk": bilan.pk})
    response = client.post(url, {"usable": "False", "reason": ""})
    assert response.status_code == 400
    assert "Le motif du changement est obligatoire" in response.content.decode()
    assert client.post(url, {"usable": "peut-être", "reason": "x"}).status_code == 400

    client.post(url, {"usable": "False", "reason": "Arrêt maladie de huit mois"})
    bilan.refresh_from_db()
    assert bilan.usable is False
    assert (bilan.usable_reason, bilan.usable_set_by) == ("Arrêt maladie de huit mois", coordinator)
    event = BilanEvent.objects.get(bilan=bilan)
    assert event.action == BilanAction.USABLE_CHANGED and "Arrêt maladie" in event.comment


# ---------------------------------------------------------------- gaps


@pytest.mark.parametrize(
    ("declared", "computed", "flagged"),
    [
        (None, 10, False),
        (15, 10, False),
        (16, 10, True),
        (4, 10, True),
        (5, 10, False),
        (129, 100, False),
        (131, 100, True),
        (69, 100, True),
        (3, 0, False),
        (6, 0, True),
        (7, None, False),
    ],
)
def test_a_gap_is_flagged_beyond_five_and_thirty_percent(declared, computed, flagged):
    assert has_gap(declared, computed) is flagged


def test_the_campaign_screen_and_the_review_show_the_gaps(client, mediator, coordinator, bilan):
    client.force_login(mediator)
    client.post(edit_url(bilan), complete_data(bilan, **typed(FigureKey.PEOPLE_TOTAL, 40)))
    client.force_login(coordinator)
    screen = client.get(reverse("campaigns:campaign_detail", kwargs={"pk": bilan.campaign_id})).content.decode()
    assert "1 écart" in screen
    filtered = client.get(reverse("campaigns:campaign_detail", kwargs={"pk": bilan.campaign_id}), {"gaps": "on"})
    assert mediator.last_name in filtered.content.decode()
    review = client.get(reverse("campaigns:bilan_review", kwargs={"pk": bilan.pk})).content.decode()
    assert "Écart" in review


# ---------------------------------------------------------------- nothing typed is lost


def test_two_tabs_the_second_save_is_refused_and_nothing_is_overwritten(client, mediator, bilan):
    client.force_login(mediator)
    first = complete_data(bilan, **typed(FigureKey.PEOPLE_QPV, 7))
    second = complete_data(bilan, **typed(FigureKey.PEOPLE_QPV, 3))
    assert client.post(edit_url(bilan), first).status_code == 302
    response = client.post(edit_url(bilan), second)
    assert response.status_code == 400
    page = response.content.decode()
    assert "modifiées par ailleurs" in page
    assert f'name="{figure_field_name(FigureKey.PEOPLE_QPV)}" value="3"' in page  # what she typed stays
    assert figure(bilan, FigureKey.PEOPLE_QPV).declared == 7


def test_recalculating_refreshes_computed_values_and_keeps_corrections(client, mediator, bilan):
    client.force_login(mediator)
    client.post(edit_url(bilan), complete_data(bilan, **typed(FigureKey.PEOPLE_QPV, 7)))
    sheet_for(mediator, bilan.post, lives_in_qpv=True)
    client.post(reverse("campaigns:bilan_recompute", kwargs={"pk": bilan.pk}))
    assert stored(bilan, FigureKey.PEOPLE_QPV) == (11, 7)
    assert stored(bilan, FigureKey.PEOPLE_TOTAL) == (11, None)


def test_what_was_submitted_stays_and_a_later_recount_only_flags_a_gap(client, mediator, coordinator, bilan):
    client.force_login(mediator)
    submit(client, bilan)
    assert stored(bilan, FigureKey.PEOPLE_TOTAL) == (10, 10)
    for _ in range(8):
        sheet_for(mediator, bilan.post)
    client.force_login(coordinator)
    client.post(reverse("campaigns:campaign_recompute", kwargs={"pk": bilan.campaign_id}))
    assert stored(bilan, FigureKey.PEOPLE_TOTAL) == (18, 10)
    assert figure(bilan, FigureKey.PEOPLE_TOTAL).has_gap
    bilan.refresh_from_db()
    assert bilan.state == BilanState.SUBMITTED


def test_a_form_sent_after_the_session_expired_is_restored_after_login(client, mediator, bilan):
    client.force_login(mediator)
    session = client.session
    data = complete_data(bilan, what_helped="Écrit avant l'expiration")
    session[PRESERVED_POST_KEY] = {
        "user": str(mediator.pk),
        "saved_at": timezone.now().timestamp(),
        "path": edit_url(bilan),
        "fields": {k: [str(v) for v in (v if isinstance(v, list) else [v])] for k, v in data.items()},
    }
    session.save()
    page = client.get(edit_url(bilan)).content.decode()
    assert "Écrit avant l&#x27;expiration" in page
    assert "votre saisie a été conservée" in page
    assert AnnualBilan.objects.get(pk=bilan.pk).what_helped == ""


def test_random_input_never_breaks_the_form(mediator, bilan):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from reporting.campaign_forms import BilanForm

    names = [figure_field_name(k) for k in FigureKey.values] + [
        "cpam_partnership",
        "professional_project",
        "themes",
        "what_helped",
        "version",
    ]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(names), st.text(max_size=30)))
    def check(data):
        form = BilanForm(data, instance=AnnualBilan.objects.get(pk=bilan.pk), submitting=True)
        form.is_valid()

    check()


def test_the_regional_bilan_reads_the_retained_value_of_validated_usable_bilans(client, mediator, coordinator, bilan):
    from django.db.models import Avg
    from django.db.models.functions import Coalesce

    from reporting.models import BilanFigure

    def regional_mean():
        rows = (
            BilanFigure.objects.retained()
            .filter(bilan__year=YEAR, key=FigureKey.PEOPLE_QPV)
            .values("key", "bilan__department")
            .annotate(avg=Avg(Coalesce("declared", "computed")))
        )
        return [row["avg"] for row in rows]

    assert regional_mean() == []  # not validated yet
    client.force_login(mediator)
    client.post(edit_url(bilan), complete_data(bilan, action="submit", **typed(FigureKey.PEOPLE_QPV, 6)))
    client.post(reverse("campaigns:bilan_submit", kwargs={"pk": bilan.pk}))
    bilan.refresh_from_db()
    bilan.validate(by=coordinator)
    assert regional_mean() == [6]
    bilan.set_usable(by=coordinator, usable=False, reason="Absence longue")
    assert regional_mean() == []
