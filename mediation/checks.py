"""Deployment checks (`manage.py check --deploy`, run by the container before it serves):
production refuses to start with a setting that would lose or leak e-mails, keep the sample
database password, write links to nowhere, or publish legal pages that name no operator."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from . import operator

# E-mail backends that never deliver: the console writes invitation links into the logs.
UNDELIVERED_EMAIL_BACKENDS = frozenset(
    f"django.core.mail.backends.{name}.EmailBackend" for name in ("console", "locmem", "dummy", "filebased")
)
# The password docker-compose.yml falls back to when POSTGRES_PASSWORD is not set.
SAMPLE_DATABASE_PASSWORD = "mediation"


@register(Tags.security, deploy=True)
def check_email_delivery(app_configs, **kwargs):
    # EMAIL_BACKEND queues the e-mails; EMAIL_DELIVERY_BACKEND is what the worker sends them with.
    backends = {getattr(settings, name, "") for name in ("EMAIL_BACKEND", "EMAIL_DELIVERY_BACKEND")}
    undelivered = sorted(backends & UNDELIVERED_EMAIL_BACKENDS)
    if not undelivered:
        return []
    return [
        Error(
            f"Les e-mails ne partiraient pas : {', '.join(undelivered)} ne les envoie à personne "
            "(les liens d'invitation finiraient dans les journaux).",
            hint="Indiquez un serveur d'envoi : EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend "
            "et EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD.",
            id="mediation.E001",
        )
    ]


@register(Tags.database, deploy=True)
def check_database_password(app_configs, **kwargs):
    if not any(db.get("PASSWORD") == SAMPLE_DATABASE_PASSWORD for db in settings.DATABASES.values()):
        return []
    return [
        Error(
            "La base de données utilise le mot de passe d'exemple de docker-compose.yml.",
            hint="Donnez un mot de passe aléatoire dans POSTGRES_PASSWORD (ou DATABASE_URL).",
            id="mediation.E002",
        )
    ]


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    url = urlsplit(getattr(settings, "SITE_URL", ""))
    if url.scheme in {"http", "https"} and url.netloc:
        return []
    return [
        Error(
            "SITE_URL doit donner l'adresse du site, pour les liens des e-mails.",
            hint="Par exemple SITE_URL=https://mediation.ars-exemple.fr",
            id="mediation.E003",
        )
    ]


@register(Tags.security, deploy=True)
def check_operator_identity(app_configs, **kwargs):
    unset = operator.unset_settings()
    if not unset:
        return []
    return [
        Error(
            "L'identité de l'opérateur n'est pas renseignée : les mentions légales, la page des données "
            f"personnelles et la déclaration d'accessibilité diraient « {settings.OPERATOR_UNSET} ».",
            hint=f"Donnez {', '.join(unset)} "
            "(docs/exploitation.md, « L'opérateur du service et les pages publiques »).",
            id="mediation.E004",
        )
    ]
