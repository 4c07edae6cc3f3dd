"""Build a believable Hauts-de-France demo: communes, QPV, structures, posts and their holders,
one account per role, TOTP for the roles that need a second factor.

Idempotent: every row is looked up by its natural key and only written when it differs, so a
second run changes nothing. The static data lives in mediation/demo_data.py. A command of the top
app (reporting): it fills the core, then the sheets, partners and campaigns of the apps above it.
"""

from collections import Counter

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand
from django.db import transaction

from mediation import demo_data as data
from mediation.enums import MFA_REQUIRED_ROLES, Role
from mediation.models import Commune, Department, Membership, Post, PostHolding, Qpv, Region, Structure, User


class Command(BaseCommand):
    help = "Crée (ou remet en état) les données de démonstration Hauts-de-France et affiche les comptes."

    def handle(self, *args, **options):
        self.stats = Counter()
        with transaction.atomic():
            seed_reference(self)
            seed_posts(self)
            seed_post_holders(self)
            seed_accounts(self)
            seed_totp(self)
            seed_sheets(self)
            seed_partners(self)
            seed_campaigns(self)
        self.print_summary()
        self.print_accounts()

    # ------------------------------------------------------------ helpers

    def upsert(self, model, lookup, values=None):
        """Get the row matching `lookup`, create it, or update the fields of `values` that differ.
        Returns (object, created), as get_or_create does."""
        values = values or {}
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values)
            self.stats[("Créations", model._meta.verbose_name_plural)] += 1
            return obj, True
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            self.stats[("Mises à jour", model._meta.verbose_name_plural)] += 1
        return obj, False

    def set_m2m(self, obj, field_name, objects):
        """Make the many-to-many `field_name` of `obj` hold exactly `objects`."""
        manager = getattr(obj, field_name)
        if set(manager.values_list("pk", flat=True)) != {o.pk for o in objects}:
            manager.set(objects)
            field = obj._meta.get_field(field_name)
            self.stats[("Liens", f"{obj._meta.verbose_name_plural} → {field.verbose_name}")] += 1

    def print_summary(self):
        if not self.stats:
            self.stdout.write("Données de démonstration déjà en place : rien à changer.")
            return
        self.stdout.write(self.style.SUCCESS("Données de démonstration en place."))
        for kind in ("Créations", "Mises à jour", "Liens"):
            counts = ", ".join(f"{label} : {n}" for (k, label), n in sorted(self.stats.items()) if k == kind)
            if counts:
                self.stdout.write(f"  {kind} — {counts}")

    def print_accounts(self):
        rows = [("E-mail", "Rôle", "Périmètre", "Mot de passe", "Double authentification")]
        rows += [account_row(user) for user in demo_users()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        self.stdout.write("\nComptes de démonstration\n")
        for index, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]
            self.stdout.write("  ".join(cells).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths) + "  " + "-" * 23)
        self.stdout.write(
            f"\nMot de passe commun à tous les comptes : {data.DEMO_PASSWORD}\n"
            f"Secret TOTP commun aux comptes à double authentification : {data.DEMO_TOTP_SECRET}\n"
            "  à saisir dans une application d'authentification (FreeOTP, Aegis, Google Authenticator...),\n"
            "  ou code du moment : python manage.py totp_code <email>"
        )


# ---------------------------------------------------------------- territories and structures


def seed_reference(cmd):
    departments = {d.code: d for d in Department.objects.filter(code__in={c[:2] for c, _ in data.COMMUNES})}
    for insee_code, name in data.COMMUNES:
        cmd.upsert(Commune, {"insee_code": insee_code}, {"name": name, "department": departments[insee_code[:2]]})
    communes = communes_by_code()
    for code, name, insee_codes in data.QPVS:
        qpv, _ = cmd.upsert(Qpv, {"code": code}, {"name": name, "department": departments[department_of_qpv(code)]})
        cmd.set_m2m(qpv, "communes", [communes[c] for c in insee_codes])
    for name, kind, insee_code in data.STRUCTURES:
        cmd.upsert(Structure, {"name": name}, {"kind": kind, "commune": communes[insee_code], "is_active": True})


def department_of_qpv(code):
    """QN05901M -> "59", QN00201M -> "02"."""
    return code[2:5].lstrip("0").zfill(2)


def communes_by_code():
    return {c.insee_code: c for c in Commune.objects.filter(insee_code__in=[code for code, _ in data.COMMUNES])}


# ---------------------------------------------------------------- posts and holders


def seed_posts(cmd):
    communes = communes_by_code()
    qpvs = {q.code: q for q in Qpv.objects.filter(code__in=[q[0] for q in data.QPVS])}
    structures = {s.name: s for s in Structure.objects.filter(name__in=[s[0] for s in data.STRUCTURES])}
    departments = {d.code: d for d in Department.objects.all()}
    for spec in data.POSTS:
        values = {
            "structure": structures[spec.structure],
            "department": departments[spec.department],
            "post_type": spec.post_type,
            "funding": spec.funding,
            "start_date": spec.start,
            "end_date": None,
        }
        post, _ = cmd.upsert(Post, {"code": spec.code}, values)
        cmd.set_m2m(post, "communes", [communes[c] for c in spec.communes])
        cmd.set_m2m(post, "qpvs", [qpvs[q] for q in spec.qpvs])


def seed_post_holders(cmd):
    posts = {p.code: p for p in Post.objects.filter(code__in=[spec.code for spec in data.POSTS])}
    for spec in data.POSTS:
        post = posts[spec.code]
        for holder in spec.holders:
            # A mediator who left keeps a (closed) account: their past sheets stay attributed.
            user = ensure_user(cmd, holder.email, holder.first_name, holder.last_name, active=holder.end is None)
            ensure_membership(cmd, user, Role.MEDIATOR, structure=post.structure)
            ensure_holding(cmd, post, user, holder)


def ensure_holding(cmd, post, user, holder):
    lookup = {"post": post, "mediator": user, "start_date": holder.start}
    if holder.end is None:
        other_open = post.holdings.filter(end_date__isnull=True).exclude(mediator=user, start_date=holder.start)
        if other_open.exists():
            holder_now = other_open.first().mediator
            cmd.stderr.write(f"Poste {post.code} : déjà tenu par {holder_now}, titulaire de démo ignoré·e.")
            return
    cmd.upsert(PostHolding, lookup, {"end_date": holder.end})


# ---------------------------------------------------------------- accounts


def ensure_user(cmd, email, first_name, last_name, *, active=True, admin=False):
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "is_active": active,
        "is_staff": admin,
        "is_superuser": admin,
    }
    user, created = cmd.upsert(User, {"email": email}, values)
    if created or not user.check_password(data.DEMO_PASSWORD):
        user.set_password(data.DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if not created:
            cmd.stats[("Mises à jour", "mots de passe remis à la valeur de démo")] += 1
    return user


def ensure_membership(cmd, user, role, *, structure=None, region=None, departments=()):
    membership, _ = cmd.upsert(Membership, {"user": user}, {"role": role, "structure": structure, "region": region})
    cmd.set_m2m(membership, "departments", list(departments))
    return membership


def seed_accounts(cmd):
    region = Region.objects.get(code=data.REGION_CODE)
    for account in data.ACCOUNTS:
        user = ensure_user(cmd, account.email, account.first_name, account.last_name, admin=account.role == Role.ADMIN)
        ensure_membership(
            cmd,
            user,
            account.role,
            structure=Structure.objects.get(name=account.structure) if account.structure else None,
            region=region if account.region else None,
            departments=Department.objects.filter(code__in=account.departments),
        )


def seed_totp(cmd):
    """A TOTP authenticator with the demo secret for every account that must use a second factor.
    An account that already has one (perhaps set up by hand) keeps it."""
    for user in User.objects.filter(email__in=demo_emails(), membership__role__in=MFA_REQUIRED_ROLES):
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, data.DEMO_TOTP_SECRET)
            cmd.stats[("Créations", "authentificateurs TOTP")] += 1


# ---------------------------------------------------------------- the printed table


def seed_sheets(cmd):
    """A realistic year of accompaniment sheets (the last full year) and a smaller one before it,
    so that the bilan has a year to compare with; each once."""
    from accompaniments import demo

    for year, total, seed in (
        (data.DEMO_YEAR - 1, data.DEMO_SHEETS_BEFORE, 2023),
        (data.DEMO_YEAR, data.DEMO_SHEETS, 2024),
    ):
        created = demo.seed_demo_year(year=year, total_sheets=total, seed=seed)
        if created:
            cmd.stats[("Créations", f"fiches d'accompagnement {year}")] += created


def seed_partners(cmd):
    """Partners, each mediator's own partners, referrals, outreach and collective actions."""
    from partners import demo

    for label, count in demo.seed(year=data.DEMO_YEAR).items():
        cmd.stats[("Créations", label)] += count


def seed_campaigns(cmd):
    """The yearly campaign of the demo year, bilans in every state, and last year's history."""
    from reporting import campaign_demo

    for label, count in campaign_demo.seed(year=data.DEMO_YEAR, region_code=data.REGION_CODE).items():
        cmd.stats[("Créations", label)] += count


def demo_emails():
    return [holder.email for spec in data.POSTS for holder in spec.holders] + [a.email for a in data.ACCOUNTS]


def demo_users():
    """Featured accounts first, then the post holders in post order."""
    order = list(dict.fromkeys(data.FEATURED_EMAILS + demo_emails()))
    users = User.objects.filter(email__in=order).select_related("membership__structure", "membership__region")
    by_email = {u.email: u for u in users.prefetch_related("membership__departments", "post_holdings__post")}
    return [by_email[email] for email in order if email in by_email]


def account_row(user):
    membership = getattr(user, "membership", None)
    role = membership.get_role_display() if membership else "Aucun rôle"
    scope = membership.scope_label if membership else ""
    holdings = sorted(user.post_holdings.all(), key=lambda h: h.start_date)
    if holdings:
        last = holdings[-1]
        if last.end_date:
            scope += f" · {last.post.code} jusqu'au {last.end_date:%d/%m/%Y} (compte fermé)"
        else:
            scope += f" · poste {last.post.code} depuis le {last.start_date:%d/%m/%Y}"
    return (user.email, role, scope, data.DEMO_PASSWORD, second_factor(user, membership))


def second_factor(user, membership):
    needs_mfa = user.is_staff or (membership is not None and membership.role in MFA_REQUIRED_ROLES)
    if not needs_mfa:
        return "—"
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return "à configurer à la première connexion"
    hint = f"code : python manage.py totp_code {user.email}"
    if decrypt(authenticator.data["secret"]) != data.DEMO_TOTP_SECRET:
        return f"TOTP propre au compte · {hint}"
    return f"TOTP {data.DEMO_TOTP_SECRET} · {hint}"
