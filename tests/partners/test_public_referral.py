"""The public fiche d'orientation: routed by the patient's commune, confirmed by a reference
number on screen and by e-mail, never showing back what was typed; protected against floods,
robots and oversized or malformed submissions, with French messages and never a 500."""

import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediation.idempotency import ALTERED_KEY
from partners.enums import ReferralStatus
from partners.models import Referral
from tests.factories import PostHoldingFactory, UserFactory

from .helpers import referral_data

pytestmark = pytest.mark.django_db

FORM_URL = reverse("public_referral:form")
SENT_URL = reverse("public_referral:sent")


def submit(client, data, **extra):
    return client.post(FORM_URL, data, **extra)


def test_the_form_is_public_and_offers_the_communes_of_the_region(client, world):
    response = client.get(FORM_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Orienter un patient vers un médiateur santé" in html
    # The communes the posts cover are suggested; the others come as the professional types.
    assert 'value="Lille (59350)"' in html
    assert 'list="id_commune-suggestions"' in html
    # The robot trap is hidden by a CSS class: no inline style under the strict CSP.
    assert 'class="fr-hidden" aria-hidden="true"' in html
    assert "style=" not in html


def test_a_referral_is_routed_to_the_post_covering_the_commune(client, world, mailoutbox, committed):
    response = committed(submit, client, referral_data(world.lille.commune))

    assert response.status_code == 302
    assert response["Location"] == SENT_URL
    referral = Referral.objects.get()
    assert referral.post == world.lille.post
    assert referral.department == world.lille.commune.department
    assert referral.status == ReferralStatus.PENDING
    assert referral.reference == f"ORI-{referral.received_at.year}-{referral.pk:06d}"
    # The professional gets the reference; the mediator a notice; neither mail names the patient.
    assert {tuple(m.to) for m in mailoutbox} == {("claire.vandamme@exemple.fr",), (world.lille.mediator.email,)}
    for mail in mailoutbox:
        assert referral.reference in mail.body
        assert "Zerbib" not in mail.body and "Ophélie" not in mail.body and "Diabète" not in mail.body


def test_the_confirmation_shows_the_reference_and_nothing_typed(client, world):
    submit(client, referral_data(world.lille.commune))
    referral = Referral.objects.get()

    html = client.get(SENT_URL).content.decode()
    assert referral.reference in html
    for typed in ("Zerbib", "Ophélie", "Vandamme", "Diabète", "06 12 34 56 78", "claire.vandamme", "Lille"):
        assert typed not in html


def test_the_public_pages_never_list_anything(client, world):
    submit(client, referral_data(world.lille.commune))
    fresh = client.__class__()
    # Another visitor finds an empty form and no confirmation.
    html = fresh.get(FORM_URL).content.decode()
    assert "Zerbib" not in html and "ORI-" not in html
    assert fresh.get(SENT_URL)["Location"] == FORM_URL
    # Only GET and POST are answered.
    for method in ("put", "patch", "delete"):
        assert getattr(fresh, method)(FORM_URL).status_code == 405
    assert fresh.post(SENT_URL).status_code == 405


def test_without_a_covering_post_the_referral_waits_for_the_coordinators(client, world, mailoutbox, committed):
    committed(submit, client, referral_data(world.croix))

    referral = Referral.objects.get()
    assert referral.post is None
    assert referral.department == world.croix.department
    coordinator_mail = next(m for m in mailoutbox if world.coordinator_nord.email in m.to)
    assert world.coordinator_region.email in coordinator_mail.to
    assert world.coordinator_somme.email not in coordinator_mail.to
    assert "Zerbib" not in coordinator_mail.body


def test_a_vacant_post_does_not_receive_referrals(client, world):
    world.lille.post.holdings.update(end_date=world.lille.post.start_date)
    submit(client, referral_data(world.lille.commune))
    assert Referral.objects.get().post is None


def test_among_several_posts_the_least_loaded_gets_the_referral(client, world):
    second = world.lille.post.__class__.objects.create(
        code="HDF-59-ZZZ",
        structure=world.roubaix.structure,
        department=world.lille.post.department,
        post_type=world.lille.post.post_type,
        funding=world.lille.post.funding,
        start_date=world.lille.post.start_date,
    )
    second.communes.set([world.lille.commune])
    PostHoldingFactory(post=second, mediator=UserFactory())

    routed = []
    for _ in range(3):
        submit(client, referral_data(world.lille.commune))
        routed.append(Referral.objects.latest("pk").post.code)
    # Same load: the first post by code; then the other one, which has fewer pending.
    assert routed == ["HDF-59-59350", "HDF-59-ZZZ", "HDF-59-59350"]


def test_a_double_submit_records_one_referral(client, world):
    data = referral_data(world.lille.commune)
    submit(client, data)
    response = submit(client, data)
    assert response.status_code == 302
    assert Referral.objects.count() == 1


@override_settings(REFERRAL_RATE_LIMIT=3, REFERRAL_RATE_LIMIT_WINDOW=3600)
def test_the_submission_after_the_limit_is_refused_with_a_429(client, world):
    for _ in range(3):
        assert submit(client, referral_data(world.lille.commune)).status_code == 302
    response = submit(client, referral_data(world.lille.commune))

    assert response.status_code == 429
    html = response.content.decode()
    assert "Trop de fiches envoyées depuis cette connexion" in html
    assert "Réessayez un peu plus tard" in html
    assert Referral.objects.count() == 3
    # Another address is not affected.
    assert submit(client, referral_data(world.lille.commune), REMOTE_ADDR="10.1.2.3").status_code == 302


@override_settings(REFERRAL_RATE_LIMIT=2)
def test_invalid_forms_do_not_use_up_the_limit(client, world):
    for _ in range(4):
        assert submit(client, referral_data(world.lille.commune, patient_last_name="")).status_code == 200
    assert submit(client, referral_data(world.lille.commune)).status_code == 302


def test_a_filled_trap_is_politely_refused_and_nothing_is_saved(client, world, mailoutbox, committed):
    response = committed(submit, client, referral_data(world.lille.commune, website="https://promo.example"))
    assert response.status_code == 400
    assert "n'a pas pu être enregistrée" in response.content.decode()
    assert not Referral.objects.exists()
    assert mailoutbox == []


def test_missing_fields_get_french_messages_next_to_them(client, world):
    response = submit(
        client,
        referral_data(world.lille.commune, patient_agreed="", reasons=[], commune="Atlantis", referrer_email="x"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["patient_agreed"] == ["L'accord du patient est nécessaire pour transmettre l'orientation."]
    assert errors["reasons"] == ["Cochez au moins un motif."]
    assert errors["commune"][0].startswith("Commune inconnue")
    assert "referrer_email" in errors
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("patient_last_name", "x" * 151),
        ("message", "y" * 2001),
        ("referrer_phone", "appelez-moi"),
        ("commune", "z" * 5000),
        ("reasons", ["999999"]),
        ("reasons", ["abc"]),
        ("submission_key", "pas-un-uuid"),
        ("patient_first_name", "Nul\x00caractère"),
    ],
)
def test_oversized_or_malformed_fields_are_refused_with_a_message(client, world, field, value):
    response = submit(client, referral_data(world.lille.commune, **{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    if field == "submission_key":
        # A hidden field's error would show nowhere: it is said above the form.
        assert ALTERED_KEY in form.non_field_errors()
    else:
        assert field in form.errors
    assert not Referral.objects.exists()


def test_the_commune_may_be_given_by_its_insee_code_or_its_name(client, world):
    submit(client, referral_data(world.lille.commune, commune="59350"))
    submit(client, referral_data(world.lille.commune, commune="lille"))
    assert Referral.objects.filter(commune=world.lille.commune).count() == 2


def test_an_oversized_body_is_refused_before_it_is_read(client, world):
    response = submit(client, referral_data(world.lille.commune, message="y" * 70_000))
    assert response.status_code == 413
    assert "Fiche trop volumineuse" in response.content.decode()
    assert not Referral.objects.exists()


@override_settings(REFERRAL_RATE_LIMIT=1000)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), field=st.sampled_from(["referrer_name", "commune", "patient_phone", "message"]))
def test_random_input_never_breaks_the_page(client, world, text, field):
    response = submit(client, referral_data(world.lille.commune, **{field: text}))
    assert response.status_code in (200, 302)


def test_a_logged_in_person_may_use_the_public_form_too(client, world):
    client.force_login(world.reader)
    assert client.get(FORM_URL).status_code == 200
