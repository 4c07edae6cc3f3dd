"""Test runs: fast hashing, in-memory e-mail, undefined template variables fail loudly."""

from .base import *  # noqa: F403
from .base import TEMPLATES

SECRET_KEY = "test-only-key-not-for-production-0123456789abcdefghijklmnopq"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "!!INVALID {%s}!!"
