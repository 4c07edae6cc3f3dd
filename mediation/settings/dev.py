"""Local development: DEBUG on, a throwaway key, e-mails printed to the console."""

from .base import *  # noqa: F403
from .base import env_bool, os

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-key-not-for-production-0123456789abcdefghijklmnop"
# The links of the e-mails (campaign reminders) point at `make run`'s server.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
EMAIL_DELIVERY_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
