"""Settings shared by every environment; each value that differs between machines comes
from the environment."""

import os
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The site's address (https://…), for the links of e-mails sent outside a request; production
# refuses to start without it (mediation.checks).
SITE_URL = os.environ.get("SITE_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dsfr",
    "widget_tweaks",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "mediation",
    "accompaniments",
    "partners",
    "reporting",
]

MIDDLEWARE = [
    "mediation.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mediation.sessions.SessionLifetimeMiddleware",
    "mediation.middleware.PreservePostOnExpiredSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "mediation.middleware.AuditlogMiddleware",
    "mediation.middleware.MembershipMiddleware",
    "mediation.middleware.MfaEnforcementMiddleware",
    "mediation.middleware.AccessRuleMiddleware",
    "mediation.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "mediation.urls"
WSGI_APPLICATION = "mediation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dsfr.context_processors.site_config",
                "mediation.context_processors.navigation",
                "mediation.context_processors.csp_nonce",
            ],
        },
    },
]

# One form renderer for every form (django-dsfr's: DSFR markup for choices and errors). Django keeps
# one instance of it per process, so the field templates are parsed once, not once per form.
FORM_RENDERER = "dsfr.forms.DsfrDjangoTemplates"

# Database: a SQLite file beside the project unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every worker shares: the login rate limits must hold across gunicorn workers. Sized so
# that flooding it with other keys (one per e-mail or address an attacker uses) evicts no
# counter: Django's default of 300 entries, a third culled, would let it. When full, a tenth is
# culled (the database cache culls by key order, not by age).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_table",
        "OPTIONS": {
            "MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "100000")),
            "CULL_FREQUENCY": int(os.environ.get("CACHE_CULL_FREQUENCY", "10")),
        },
    }
}

AUTH_USER_MODEL = "mediation.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# allauth: e-mail login, no public sign-up (see mediation.adapters), no enumeration.
ACCOUNT_ADAPTER = "mediation.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Médiation santé] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Failed logins: 5 per account (the e-mail typed) and 30 per client address in 5 minutes. An
    # office behind one NAT address survives a colleague who mistypes (her account is the one
    # blocked); one address spraying passwords over many accounts is stopped after 30 tries.
    "login_failed": "5/5m/key,30/5m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# The client address of the rate limits (and of the audit trail): behind TRUSTED_PROXY_COUNT
# reverse proxies of ours, the entry that many places from the end of X-Forwarded-For (what the
# nearest proxy of ours saw); 0 reads REMOTE_ADDR, for an app that faces the clients directly.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Médiation santé"
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
# Addresses come from invitations, which prove them; a reset request must not block MFA setup.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# Sessions: 30 minutes of inactivity, gone when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
# However busy, a session ends this many seconds after its login (mediation.sessions).
SESSION_ABSOLUTE_AGE = int(os.environ.get("SESSION_ABSOLUTE_AGE", str(12 * 3600)))
# A form sent after the session expired is kept for the account named by this signed cookie,
# up to this size of JSON (mediation.form_recovery).
SESSION_OWNER_COOKIE_NAME = "session_owner"
FORM_RECOVERY_MAX_BYTES = int(os.environ.get("FORM_RECOVERY_MAX_BYTES", str(64 * 1024)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "mediation.views.csrf_failure"

# Traceability: access and change logs are kept this many months, then purged.
AUDIT_LOG_RETENTION_MONTHS = int(os.environ.get("AUDIT_LOG_RETENTION_MONTHS", "12"))
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Operations (docs/exploitation.md): the daily jobs run at this hour (Europe/Paris) from
# `run_scheduler`; the health endpoint /sante/ says unhealthy when the worker or the scheduler
# has not beaten for HEALTH_MAX_SILENCE seconds, and gives its detail to administrators and to
# callers sending HEALTH_TOKEN in the X-Health-Token header (no token: administrators only).
DAILY_JOBS_HOUR = int(os.environ.get("DAILY_JOBS_HOUR", "3"))
SCHEDULER_BEAT_SECONDS = int(os.environ.get("SCHEDULER_BEAT_SECONDS", "60"))
HEALTH_MAX_SILENCE = int(os.environ.get("HEALTH_MAX_SILENCE", "300"))
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")

# Personal data: a person without any activity (sheet opened, contact, request opened or
# closed) for RETENTION_MONTHS is anonymised by `apply_retention`, once the structure's managers
# were warned RETENTION_WARNING_DAYS before (docs/donnees-personnelles.md).
RETENTION_MONTHS = int(os.environ.get("RETENTION_MONTHS", "24"))
RETENTION_WARNING_DAYS = int(os.environ.get("RETENTION_WARNING_DAYS", "30"))
# A referral from a professional that never became a sheet (declined or left pending) loses the
# patient's identity this many months after its decision, or its arrival (same command).
REFERRAL_RETENTION_MONTHS = int(os.environ.get("REFERRAL_RETENTION_MONTHS", "12"))

# The operator of the service, named by the public pages (legal notice, personal data,
# accessibility statement: mediation/operator.py, docs/exploitation.md). Each part comes from the
# environment variable of the same name; one left unset reads OPERATOR_UNSET, which the pages show
# as it is and production refuses (mediation.checks, E004).
OPERATOR_UNSET = "À renseigner"


def env_operator(name):
    return os.environ.get(name, "").strip() or f"{OPERATOR_UNSET} ({name})"


OPERATOR_NAME = env_operator("OPERATOR_NAME")
OPERATOR_ADDRESS = env_operator("OPERATOR_ADDRESS")
OPERATOR_EMAIL = env_operator("OPERATOR_EMAIL")
OPERATOR_PHONE = env_operator("OPERATOR_PHONE")
OPERATOR_PUBLICATION_DIRECTOR = env_operator("OPERATOR_PUBLICATION_DIRECTOR")
OPERATOR_HOST_NAME = env_operator("OPERATOR_HOST_NAME")
OPERATOR_HOST_ADDRESS = env_operator("OPERATOR_HOST_ADDRESS")
OPERATOR_HOST_PHONE = env_operator("OPERATOR_HOST_PHONE")
OPERATOR_DPO_CONTACT = env_operator("OPERATOR_DPO_CONTACT")
OPERATOR_ACCESSIBILITY_CONTACT = env_operator("OPERATOR_ACCESSIBILITY_CONTACT")
# How many nightly backups the `backup` service keeps (docs/backup.md): the personal-data page
# says how long an erased record survives in them. Compose gives both the same BACKUP_KEEP.
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))

# Imports (docs/imports/): uploads larger or longer than this are refused before parsing;
# spreadsheets (zip files) whose parts would unpack beyond IMPORT_MAX_UNZIPPED_BYTES too.
# Between the dry run and the confirmation the file waits in IMPORT_TEMP_DIR (private to the app).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "60000"))
IMPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_MAX_UNZIPPED_BYTES", str(200 * 1024 * 1024)))
IMPORT_TEMP_DIR = os.environ.get("IMPORT_TEMP_DIR", "")

# Invitations: how long a link stays valid.
INVITATION_VALIDITY_DAYS = int(os.environ.get("INVITATION_VALIDITY_DAYS", "7"))

# Public referral page: at most this many referrals per client IP in a fixed window (seconds).
REFERRAL_RATE_LIMIT = int(os.environ.get("REFERRAL_RATE_LIMIT", "5"))
REFERRAL_RATE_LIMIT_WINDOW = int(os.environ.get("REFERRAL_RATE_LIMIT_WINDOW", "3600"))

# A pending referral reminds its post's holder(s) after this many days, once, and goes to the
# department's coordinators after the second delay (the daily job referral_reminders).
REFERRAL_REMINDER_DAYS = int(os.environ.get("REFERRAL_REMINDER_DAYS", "10"))
REFERRAL_ESCALATION_DAYS = int(os.environ.get("REFERRAL_ESCALATION_DAYS", "20"))

# The requests' covering index (accompaniments.SheetRequest) has INCLUDE columns that only
# PostgreSQL uses; on SQLite it is a plain composite index by design, not a warning for each command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Security headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Memory PostgreSQL may use for the sorts and hashes of the regional bilan's grouped queries.
REPORTING_WORK_MEM_MB = int(os.environ.get("REPORTING_WORK_MEM_MB", "64"))

# The manifest storage rewrites url() inside the DSFR stylesheets, so django-dsfr's integrity
# hashes would no longer match and browsers would refuse the files.
DSFR_USE_INTEGRITY_CHECKSUMS = False
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Every e-mail is queued (mediation/mail.py) and sent by the worker (`manage.py run_worker`,
# mediation/tasks.py) with retries, through EMAIL_DELIVERY_BACKEND: the environment's
# EMAIL_BACKEND, SMTP by default (the console in development, locmem in tests).
EMAIL_BACKEND = "mediation.mail.QueuedEmailBackend"
EMAIL_DELIVERY_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# The task queue of the worker: a table of the database (django-tasks-db), no other server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Sent e-mails (their recipients) and finished tasks are forgotten after this many days.
EMAIL_SENT_RETENTION_DAYS = int(os.environ.get("EMAIL_SENT_RETENTION_DAYS", "30"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Médiation santé <ne-pas-repondre@mediation-sante.localhost>")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Errors reach these people by e-mail (through EMAIL_BACKEND): ADMINS="Name <a@b.fr>,Other <c@d.fr>".
ADMINS = [(name, address) for name, address in getaddresses([os.environ.get("ADMINS", "")]) if address]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The optional error tracker (Sentry or GlitchTip), switched on in production by its DSN.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")

# Logs: one JSON object per line on stdout, with the request id (mediation.logging). Error
# reports e-mailed to ADMINS name no person (mediation.logging.NoPersonalDataReporter).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "mediation.logging.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {"json": {"()": "mediation.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_id"],
            "reporter_class": "mediation.logging.NoPersonalDataReporter",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": LOG_LEVEL, "propagate": False},
        # The PDF renderer narrates every layout step at INFO: keep its warnings only.
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
    },
}


def require_secret_key(key):
    if not key or key.startswith("django-insecure") or len(key) < 50:
        raise ImproperlyConfigured("SECRET_KEY doit être fourni par l'environnement (50 caractères au moins).")
    return key
