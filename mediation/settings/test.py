"""Test runs: fast hashing, in-memory e-mail, undefined template variables fail loudly."""

import os

from .base import *  # noqa: F403
from .base import TEMPLATES

SECRET_KEY = "test-only-key-not-for-production-0123456789abcdefghijklmnopq"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test runner sends e-mails to locmem directly (Django's setup_test_environment); tests of the
# queue (tests/mediation/test_email_queue.py) switch EMAIL_BACKEND back to it: it delivers to
# locmem, and its tasks run as soon as they are enqueued unless a test picks the database backend.
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "!!INVALID {%s}!!"

# Each PostgreSQL test run gets its own database, so that two runs on one server
# (a developer's suite and CI, say) never drop each other's database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = (  # noqa: F405
        f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
    )
