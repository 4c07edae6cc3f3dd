"""The production settings pass Django's deployment checklist (`check --deploy`) without a
single warning, and the check does notice when a protection is switched off.

The checklist runs as `manage.py check` in a fresh interpreter, as on a server: the production
settings read the environment when they are imported."""

import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from mediation.settings.base import require_secret_key

CHECK = ["check", "--deploy", "--fail-level", "WARNING"]
# A real operator's identity (mediation/operator.py): production refuses the defaults.
OPERATOR_ENVIRONMENT = {
    "OPERATOR_NAME": "Agence régionale de santé Hauts-de-France",
    "OPERATOR_ADDRESS": "556 avenue Willy Brandt, 59777 Euralille",
    "OPERATOR_EMAIL": "contact@ars-exemple.fr",
    "OPERATOR_PHONE": "03 62 72 77 00",
    "OPERATOR_PUBLICATION_DIRECTOR": "Le directeur général",
    "OPERATOR_HOST_NAME": "Hébergeur Exemple",
    "OPERATOR_HOST_ADDRESS": "1 rue des Serveurs, 59000 Lille",
    "OPERATOR_HOST_PHONE": "03 20 00 00 00",
    "OPERATOR_DPO_CONTACT": "dpd@ars-exemple.fr",
    "OPERATOR_ACCESSIBILITY_CONTACT": "accessibilite@ars-exemple.fr",
}


def run_manage(tmp_path, *args, settings_module="mediation.settings.prod", **env_overrides):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{tmp_path}:{settings.BASE_DIR}",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "mediation.example.fr",
        "SITE_URL": "https://mediation.example.fr",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        **OPERATOR_ENVIRONMENT,
        **env_overrides,
    }
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = run_manage(tmp_path, *CHECK)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# One line of production switched off, and the warning the checklist must then give.
WEAKENED = {
    "SESSION_COOKIE_SECURE = False": "security.W012",
    "CSRF_COOKIE_SECURE = False": "security.W016",
    "SECURE_HSTS_SECONDS = 0": "security.W004",
    "SECURE_SSL_REDIRECT = False": "security.W008",
    "DEBUG = True": "security.W018",
    "MIDDLEWARE = [m for m in MIDDLEWARE if 'clickjacking' not in m]": "security.W002",
}


def test_the_check_fails_when_a_protection_is_off(tmp_path):
    # One interpreter for all the cases: each switched-off line must show up as its own warning.
    (tmp_path / "weakened.py").write_text(
        "from mediation.settings.prod import *  # noqa\n" + "\n".join(WEAKENED) + "\n"
    )
    result = run_manage(tmp_path, *CHECK, settings_module="weakened")
    assert result.returncode != 0
    for override, warning in WEAKENED.items():
        assert warning in result.stderr, f"{override!r} went unnoticed"


# One unsafe value of the environment, and the error the deployment check must then give.
UNSAFE_ENVIRONMENT = {
    "console e-mail": ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "mediation.E001"),
    "locmem e-mail": ({"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}, "mediation.E001"),
    "dummy e-mail": ({"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}, "mediation.E001"),
    "compose's default database password": (
        {"DATABASE_URL": "postgres://mediation:mediation@db:5432/mediation"},
        "mediation.E002",
    ),
    "no SITE_URL": ({"SITE_URL": ""}, "mediation.E003"),
    "a SITE_URL without its scheme": ({"SITE_URL": "mediation.example.fr"}, "mediation.E003"),
    "the operator's identity left to its defaults": (dict.fromkeys(OPERATOR_ENVIRONMENT, ""), "mediation.E004"),
    "one part of the operator's identity left unset": ({"OPERATOR_DPO_CONTACT": ""}, "mediation.E004"),
}


@pytest.mark.parametrize("unsafe", UNSAFE_ENVIRONMENT.values(), ids=UNSAFE_ENVIRONMENT.keys())
def test_production_refuses_to_start_with_an_unsafe_setting(tmp_path, unsafe):
    env, error = unsafe
    # Errors stop the check whatever the fail level: the entrypoint runs it before serving.
    result = run_manage(tmp_path, "check", "--deploy", **env)
    assert result.returncode != 0
    assert error in result.stderr


def test_the_check_names_the_parts_of_the_operator_identity_left_unset(tmp_path):
    result = run_manage(tmp_path, "check", "--deploy", OPERATOR_HOST_NAME="", OPERATOR_HOST_PHONE=" ")
    assert "mediation.E004" in result.stderr
    assert "OPERATOR_HOST_NAME, OPERATOR_HOST_PHONE" in result.stderr
    assert "OPERATOR_NAME" not in result.stderr


def test_production_starts_with_a_real_database_password(tmp_path):
    result = run_manage(tmp_path, *CHECK, DATABASE_URL="postgres://mediation:Xk2-long-random@db:5432/mediation")
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage(tmp_path, *CHECK, SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY doit être fourni" in result.stderr


@pytest.mark.parametrize("weak", ["", "short", "django-insecure-" + "x" * 60])
def test_a_weak_secret_key_is_refused(weak):
    with pytest.raises(ImproperlyConfigured):
        require_secret_key(weak)


def test_a_long_random_secret_key_is_accepted():
    key = secrets.token_urlsafe(64)
    assert require_secret_key(key) == key


def test_the_dsfr_stylesheets_are_not_refused_by_browsers_in_production(tmp_path):
    """The manifest storage rewrites the url() references inside the DSFR stylesheets when
    collecting them, so they no longer match the integrity hashes that django-dsfr writes in the
    page: browsers refuse them and production pages lose every DSFR style."""
    script = (
        "from django.conf import settings\n"
        "from django.contrib.staticfiles.storage import ManifestFilesMixin\n"
        "from django.utils.module_loading import import_string\n"
        "backend = import_string(settings.STORAGES['staticfiles']['BACKEND'])\n"
        "print(issubclass(backend, ManifestFilesMixin), getattr(settings, 'DSFR_USE_INTEGRITY_CHECKSUMS', True))\n"
    )
    result = run_manage(tmp_path, "shell", "--no-startup", "--verbosity", "0", "-c", script)
    assert result.returncode == 0, result.stderr
    rewrites_stylesheets, checks_integrity = result.stdout.split()[-2:]
    assert not (rewrites_stylesheets == "True" and checks_integrity == "True")
