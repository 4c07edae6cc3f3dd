"""Production: everything from the environment, HTTPS only."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, SENTRY_DSN, env_bool, os, require_secret_key

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = require_secret_key(SECRET_KEY)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_OWNER_COOKIE_NAME = "__Host-session_owner"

# Errors also go to the error tracker when its DSN is given, without personal data
# (mediation.error_tracking).
if SENTRY_DSN:
    from mediation.error_tracking import init_error_tracker

    init_error_tracker(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE", ""),
    )
