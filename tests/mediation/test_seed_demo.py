"""The demo data command: idempotent, one account per role with the right scope, posts in every
department, TOTP for the roles that need a second factor, and the totp_code helper."""

import datetime
import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    validate_totp_code,
)
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from mediation import demo_data
from mediation.enums import MFA_REQUIRED_ROLES, PostType, Role
from mediation.management.commands.totp_code import current_code, seconds_left
from mediation.models import Commune, Department, Membership, Post, PostHolding, Qpv, Structure, User

pytestmark = pytest.mark.django_db

MFA_EMAILS = ["coordination@demo.fr", "coordination.nord@demo.fr", "lecture@demo.fr", "admin@demo.fr"]


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot():
    """Everything the command writes, so two runs can be compared."""
    return {
        "communes": Commune.objects.count(),
        "qpvs": Qpv.objects.count(),
        "qpv_communes": Qpv.communes.through.objects.count(),
        "structures": Structure.objects.count(),
        "posts": list(Post.objects.values_list("code", "structure__name", "post_type", "funding", "start_date")),
        "post_communes": Post.communes.through.objects.count(),
        "post_qpvs": Post.qpvs.through.objects.count(),
        "holdings": list(PostHolding.objects.values_list("post__code", "mediator__email", "start_date", "end_date")),
        "users": list(User.objects.order_by("email").values_list("email", "password", "is_active", "is_staff")),
        "memberships": list(Membership.objects.order_by("user__email").values_list("user__email", "role")),
        "membership_departments": Membership.departments.through.objects.count(),
        "authenticators": list(Authenticator.objects.order_by("user__email").values_list("user__email", "data")),
    }


@pytest.fixture(autouse=True)
def small_year_of_sheets(monkeypatch):
    """The demo's 2 000 sheets take seconds to build; a few dozen prove the same here."""
    monkeypatch.setattr(demo_data, "DEMO_SHEETS", 60)
    monkeypatch.setattr(demo_data, "DEMO_SHEETS_BEFORE", 40)


@pytest.fixture
def seeded():
    return seed()


def membership(email):
    return Membership.objects.select_related("structure", "region").get(user__email=email)


def test_running_twice_changes_nothing(seeded):
    first = snapshot()
    output = seed()
    assert snapshot() == first
    assert "rien à changer" in output
    assert first["communes"] >= 40
    assert 15 <= first["qpvs"] <= 20
    assert 8 <= first["structures"] <= 12
    assert len(first["posts"]) == 20


def test_reference_data_is_consistent(seeded):
    lille = Commune.objects.get(insee_code="59350")
    assert lille.name == "Lille" and lille.department.code == "59"
    for code, name in [("59512", "Roubaix"), ("62193", "Calais"), ("80021", "Amiens"), ("02691", "Saint-Quentin")]:
        assert Commune.objects.get(insee_code=code).name == name
    for qpv in Qpv.objects.prefetch_related("communes"):
        assert re.fullmatch(r"QN0\d{4}M", qpv.code)
        assert qpv.communes.exists()
        assert all(c.department_id == qpv.department_id for c in qpv.communes.all())
    for post in Post.objects.prefetch_related("communes", "qpvs"):
        assert post.structure.commune.department_id == post.department_id
        assert post.communes.exists()
        assert all(c.department_id == post.department_id for c in post.communes.all())
        assert demo_data.DEMO_YEAR - 4 <= post.start_date.year <= demo_data.DEMO_YEAR - 1
        if post.post_type == PostType.QPV:
            assert post.qpvs.exists()
        else:
            assert not post.qpvs.exists()


def test_every_department_has_posts_nord_most(seeded):
    counts = {d.code: d.posts.count() for d in Department.objects.all()}
    assert all(counts[code] > 0 for code in ("02", "59", "60", "62", "80"))
    assert counts["59"] > counts["62"] > max(counts["02"], counts["60"], counts["80"])


def test_some_posts_rural_some_vacant_some_handed_over(seeded):
    assert Post.objects.filter(post_type=PostType.RURAL).count() >= 3
    assert Post.objects.filter(post_type=PostType.QPV).count() >= 12
    held = PostHolding.objects.filter(end_date__isnull=True).values("post")
    vacant = Post.objects.exclude(pk__in=held)
    assert vacant.count() >= 2
    assert vacant.filter(holdings__isnull=True).exists()  # never filled
    assert vacant.filter(holdings__end_date__isnull=False).exists()  # its holder left
    handed_over = Post.objects.filter(pk__in=held, holdings__end_date__isnull=False).distinct()
    assert handed_over.count() >= 2
    for post in handed_over:
        before, after = list(post.holdings.order_by("start_date"))[-2:]
        assert before.end_date < after.start_date
        assert not before.mediator.is_active and after.mediator.is_active


def test_role_accounts_and_memberships(seeded):
    mediator = membership("mediatrice@demo.fr")
    assert mediator.role == Role.MEDIATOR
    holding = PostHolding.objects.get(mediator__email="mediatrice@demo.fr", end_date__isnull=True)
    assert holding.post.department.code == "59"
    assert holding.post.structure == mediator.structure

    other = membership("mediateur@demo.fr")
    assert other.role == Role.MEDIATOR and other.structure != mediator.structure

    manager = membership("encadrante@demo.fr")
    assert manager.role == Role.STRUCTURE_MANAGER and manager.structure == mediator.structure

    coordinator = membership("coordination@demo.fr")
    assert coordinator.role == Role.COORDINATOR and coordinator.region.name == "Hauts-de-France"
    assert coordinator.structure is None

    nord = membership("coordination.nord@demo.fr")
    assert nord.role == Role.COORDINATOR and nord.region is None
    assert [d.code for d in nord.departments.all()] == ["59"]

    reader = membership("lecture@demo.fr")
    assert reader.role == Role.READER and reader.region.name == "Hauts-de-France"

    admin = membership("admin@demo.fr")
    assert admin.role == Role.ADMIN and admin.user.is_staff and admin.user.is_superuser


def test_every_post_holder_is_a_mediator_of_the_post_structure(seeded):
    for holding in PostHolding.objects.select_related("post", "mediator__membership"):
        assert holding.mediator.membership.role == Role.MEDIATOR
        assert holding.mediator.membership.structure_id == holding.post.structure_id
        assert holding.mediator.email.endswith("@demo.fr")


def test_all_demo_accounts_share_the_printed_password(seeded):
    assert len(demo_data.DEMO_PASSWORD) >= 12
    users = User.objects.filter(email__endswith="@demo.fr")
    assert users.count() >= 25
    assert all(user.check_password(demo_data.DEMO_PASSWORD) for user in users)
    assert not User.objects.filter(membership__isnull=True, email__endswith="@demo.fr").exists()


def test_mfa_roles_have_the_demo_totp(seeded):
    mfa_users = User.objects.filter(membership__role__in=MFA_REQUIRED_ROLES)
    assert sorted(mfa_users.values_list("email", flat=True)) == sorted(MFA_EMAILS)
    for user in mfa_users:
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert authenticator.data["secret"] == demo_data.DEMO_TOTP_SECRET
        code = current_code(user)
        assert re.fullmatch(r"\d{6}", code)
        assert validate_totp_code(demo_data.DEMO_TOTP_SECRET, code)
    assert not Authenticator.objects.filter(user__membership__role=Role.MEDIATOR).exists()


def test_existing_totp_is_kept(seeded):
    reader = User.objects.get(email="lecture@demo.fr")
    Authenticator.objects.filter(user=reader).delete()
    own_secret = generate_totp_secret()
    TOTP.activate(reader, own_secret)
    output = seed()
    authenticator = Authenticator.objects.get(user=reader, type=Authenticator.Type.TOTP)
    assert authenticator.data["secret"] == own_secret
    assert validate_totp_code(own_secret, current_code(reader))
    assert "TOTP propre au compte" in output


def test_reseeding_after_a_handover_in_the_app_puts_the_demo_holder_back(seeded):
    post = Post.objects.get(code="HDF-59-01")
    today = datetime.date.today()
    newcomer = User.objects.create_user("nouvelle@exemple.fr", "motdepasse-de-test-123")
    post.hand_over(to=newcomer, on=today - datetime.timedelta(days=30))
    call_command("seed_demo", "--yes-reset", stdout=io.StringIO(), stderr=io.StringIO())
    post = Post.objects.get(code="HDF-59-01")
    assert post.holder_on(today).email == "mediatrice@demo.fr"
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()


def test_output_lists_accounts_password_and_totp_hint(seeded):
    assert demo_data.DEMO_PASSWORD in seeded
    assert demo_data.DEMO_TOTP_SECRET in seeded
    for email in demo_data.FEATURED_EMAILS:
        assert email in seeded
    for email in MFA_EMAILS:
        assert f"python manage.py totp_code {email}" in seeded
    assert "Périmètre" in seeded and "Mot de passe" in seeded


def test_totp_code_command_refuses_without_debug(seeded):
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("totp_code", "admin@demo.fr", stdout=io.StringIO(), stderr=io.StringIO())


def test_totp_code_command_prints_the_code(seeded):
    out = io.StringIO()
    call_command("totp_code", "Admin@Demo.fr", "--force", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert validate_totp_code(demo_data.DEMO_TOTP_SECRET, code)
    with override_settings(DEBUG=True):
        out = io.StringIO()
        call_command("totp_code", "lecture@demo.fr", stdout=out, stderr=io.StringIO())
        assert re.fullmatch(r"\d{6}", out.getvalue().strip())


def test_totp_code_command_explains_missing_account_or_authenticator(seeded):
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("totp_code", "personne@demo.fr", "--force", stdout=io.StringIO())
    with pytest.raises(CommandError, match="TOTP"):
        call_command("totp_code", "mediatrice@demo.fr", "--force", stdout=io.StringIO())


def test_current_code_can_wait_for_a_fresh_code(seeded, monkeypatch):
    import mediation.management.commands.totp_code as module

    clock = {"now": 1_700_000_039.5}  # half a second before a 30-second boundary
    monkeypatch.setattr(module.time, "time", lambda: clock["now"])
    monkeypatch.setattr(module.time, "sleep", lambda s: clock.update(now=clock["now"] + s))
    admin = User.objects.get(email="admin@demo.fr")
    expiring = current_code(admin)
    fresh = current_code(admin, min_validity=5)
    assert seconds_left(clock["now"]) >= 5
    next_counter = 1_700_000_040 // 30
    assert 1_700_000_040 % 30 == 0
    assert fresh == format_hotp_value(hotp_value(demo_data.DEMO_TOTP_SECRET, next_counter))
    assert expiring == format_hotp_value(hotp_value(demo_data.DEMO_TOTP_SECRET, next_counter - 1))


def test_the_demo_year_has_sheets_for_the_post_holders(seeded):
    from accompaniments.models import Sheet, SheetRequest

    sheets = Sheet.objects.for_year(demo_data.DEMO_YEAR)
    assert sheets.count() >= 50
    assert sheets.values("mediator").distinct().count() > 10
    assert SheetRequest.objects.filter(sheet__in=sheets).count() >= sheets.count()
    # Every sheet was logged on a post its mediator held on that day.
    for sheet in sheets.select_related("post"):
        assert sheet.post.holdings.active_on(sheet.opened_on).filter(mediator=sheet.mediator_id).exists()


def test_the_year_before_has_sheets_so_the_bilan_can_compare(seeded):
    from accompaniments.models import Sheet

    before = Sheet.objects.for_year(demo_data.DEMO_YEAR - 1)
    assert 0 < before.count() < Sheet.objects.for_year(demo_data.DEMO_YEAR).count()
    for sheet in before.select_related("post"):
        assert sheet.post.holdings.active_on(sheet.opened_on).filter(mediator=sheet.mediator_id).exists()
