"""Build a believable Hauts-de-France demo: communes, QPV, structures, posts and their holders,
one account per role, TOTP for the roles that need a second factor, and three years of activity
that follow today's date: the year before last (imported bilans, to compare with), last year
complete (its sheets and the campaign of its bilans, opened in January) and this year up to today.

The command puts the demo back exactly: everything but the reference data loaded by the
migrations (regions, departments, communes, QPV populations, vocabularies) and the demo accounts
is removed, then built again from seeded random draws, so that the same day gives the same rows
(same ids: the emptied tables' sequences start again at 1). What was added since (a sheet, a
person, a partner, an account, an import...) is gone. A second run on the same day finds the
fingerprint of the rows it left and changes nothing.

Removing data needs DEBUG (the development settings) or --yes-reset, and the command refuses a
database that holds data but no demo account: it is not the demo. The static data lives in
mediation/demo_data.py. A command of the top app (reporting): it fills the core, then the sheets,
partners and campaigns of the apps above it.
"""

import hashlib
from collections import Counter

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from mediation import demo_data as data
from mediation.enums import MFA_REQUIRED_ROLES, Role
from mediation.models import Commune, Department, Membership, Post, PostHolding, Qpv, Region, Structure, User


class Command(BaseCommand):
    help = "Crée (ou remet en état) les données de démonstration Hauts-de-France et affiche les comptes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--yes-reset",
            action="store_true",
            help="Sans DEBUG : accepte d'effacer ce qui a été ajouté à la démonstration depuis.",
        )

    def handle(self, *args, yes_reset=False, **options):
        self.stats = Counter()
        self.removed = Counter()
        self.today = timezone.localdate()
        self.year = data.demo_year(self.today)
        self.unchanged = False
        with transaction.atomic():
            before = fingerprint_digest()
            key = cache_key(self.today)
            if cache.get(key) == before:
                self.unchanged = True
            else:
                check_may_reset(yes_reset)
                remove_everything_but_reference(self)
                self.seed()
                after = fingerprint_digest()
                self.unchanged = after == before
                cache.set(key, after, None)
        self.print_summary()
        self.print_accounts()

    def seed(self):
        seed_reference(self)
        seed_posts(self)
        seed_post_holders(self)
        seed_accounts(self)
        seed_totp(self)
        seed_sheets(self)
        seed_partners(self)
        seed_campaigns(self)

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
        if self.unchanged:
            self.stdout.write("Données de démonstration déjà en place : rien à changer.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration en place au {self.today:%d/%m/%Y} : "
                f"{self.year - 1} et {self.year} complètes, {self.year + 1} en cours."
            )
        )
        if self.removed:
            counts = ", ".join(f"{label} : {n}" for label, n in sorted(self.removed.items()))
            self.stdout.write(f"  Effacé avant de tout refaire — {counts}")
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
    for spec in data.posts(cmd.year):
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
    for spec in data.posts(cmd.year):
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
    """A realistic year of accompaniment sheets (the last full year), a smaller one before it, so
    that the bilan has a year to compare with, and this year's up to today (pro rata of the days
    elapsed); each once. The random seeds are offsets from the demo year: the same year, the same
    draws."""
    from accompaniments import demo

    elapsed = (cmd.today - cmd.today.replace(month=1, day=1)).days + 1
    for year, total in (
        (cmd.year - 1, data.DEMO_SHEETS_BEFORE),
        (cmd.year, data.DEMO_SHEETS),
        (cmd.year + 1, max(1, data.DEMO_SHEETS * elapsed // 365)),
    ):
        created = demo.seed_demo_year(year=year, total_sheets=total, seed=year - 1, today=cmd.today)
        if created:
            cmd.stats[("Créations", f"fiches d'accompagnement {year}")] += created


def seed_partners(cmd):
    """Partners, each mediator's own partners, referrals, outreach, collective actions and
    orientations to partners."""
    from partners import demo

    for label, count in demo.seed(year=cmd.year, seed=cmd.year, today=cmd.today).items():
        cmd.stats[("Créations", label)] += count


def seed_campaigns(cmd):
    """The yearly campaign of the demo year, bilans in every state, and last year's history."""
    from reporting import campaign_demo

    for label, count in campaign_demo.seed(year=cmd.year, region_code=data.REGION_CODE, today=cmd.today).items():
        cmd.stats[("Créations", label)] += count


# ---------------------------------------------------------------- putting the demo back exactly

# Reference data loaded by the migrations (or the geography loader): never removed.
KEPT_MODELS = {
    "mediation.region",
    "mediation.territory",
    "mediation.department",
    "mediation.commune",
    "mediation.formercommunecode",
    "mediation.qpvpopulation",
    "mediation.vocabularyitem",
    "mediation.heartbeat",
    "mediation.user",  # only the accounts other than the demo's are removed
    "mediation.user_groups",
    "mediation.user_user_permissions",
}
RESET_APPS = ("mediation", "accompaniments", "partners", "reporting")


def reset_models():
    """The models emptied and built again: every model of the project's apps but the reference
    data, and the audit log, whose entries describe rows that are gone."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in RESET_APPS and model._meta.label_lower not in KEPT_MODELS and model._meta.managed
    ]
    if apps.is_installed("auditlog"):
        found.append(apps.get_model("auditlog", "LogEntry"))
    tables = set(connection.introspection.table_names())  # a model whose migration is yet to run has none
    return [model for model in found if model._meta.db_table in tables]


def other_users():
    return User.objects.exclude(email__in=demo_emails())


def check_may_reset(yes_reset):
    """Refuse to remove anything from a database that is not the demo, and without DEBUG or
    --yes-reset."""
    if not other_users().exists() and not any(model._base_manager.exists() for model in reset_models()):
        return  # nothing to remove: a fresh database
    if not User.objects.filter(email__in=demo_emails()).exists():
        raise CommandError(
            "Cette base n'est pas celle de la démonstration : elle contient des données mais aucun "
            "compte de démonstration (…@demo.fr). seed_demo n'y efface rien ; utilisez une base vide."
        )
    if not (settings.DEBUG or yes_reset):
        raise CommandError(
            "seed_demo remet la démonstration en état : il efface tout ce qui y a été ajouté depuis "
            "(fiches, personnes, partenaires, orientations, bilans, comptes, imports…). DEBUG est "
            "désactivé : relancez avec --yes-reset si cette base est bien celle de la démonstration."
        )


def remove_everything_but_reference(cmd):
    """Empty the reset models and remove the accounts that are not the demo's. The foreign keys
    are checked at the end of the transaction, so the tables are emptied in any order."""
    models_to_empty = reset_models()
    for model in models_to_empty:
        count = model._base_manager.all()._raw_delete(connection.alias)
        if count and not model._meta.auto_created:
            cmd.removed[str(model._meta.verbose_name_plural)] += count
    accounts = other_users().count()
    if accounts:
        other_users().delete()
        cmd.removed["comptes hors démonstration"] += accounts
        if apps.is_installed("auditlog"):  # what the deletion itself logged
            apps.get_model("auditlog", "LogEntry")._base_manager.all()._raw_delete(connection.alias)
    sequences = [
        {"table": model._meta.db_table, "column": model._meta.pk.column}
        for model in models_to_empty
        if isinstance(model._meta.pk, models.AutoField)
    ]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)


CLOCK_FIELDS = (models.DateTimeField, models.UUIDField)


# Logs of what was written: the demo accounts are kept, so a second run logs no « account created ».
LOG_MODELS = {"auditlog.logentry", "mediation.accountevent"}


def fingerprint_models():
    """The rows the demo writes, the logs aside."""
    return [m for m in reset_models() if m._meta.label_lower not in LOG_MODELS] + [User, Authenticator]


def fingerprint():
    """Every demo row, by model, without what a clock decides (times of day, moments of writing,
    random identifiers) nor the TOTP secrets: two runs on the same day give the same fingerprint."""
    rows = {}
    for model in fingerprint_models():
        fields = [f.attname for f in model._meta.concrete_fields if not isinstance(f, CLOCK_FIELDS)]
        if model is Authenticator:  # an account may set up its own (kept): only who has which kind
            fields = ["user_id", "type"]
        order = fields if model is Authenticator else ["pk"]
        rows[model._meta.label_lower] = list(model._base_manager.order_by(*order).values_list(*fields))
    return rows


def fingerprint_digest():
    return hashlib.sha256(repr(sorted(fingerprint().items())).encode()).hexdigest()


def cache_key(today):
    """The demo left on `today` with these volumes."""
    return f"seed_demo:{today.isoformat()}:{data.DEMO_SHEETS}:{data.DEMO_SHEETS_BEFORE}"


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
