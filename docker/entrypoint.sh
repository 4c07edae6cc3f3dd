#!/bin/sh
# Wait for the database, apply migrations, then serve with gunicorn. The access log is the
# application's (mediation/request_id.py: JSON, request id, no query string), not gunicorn's.
# Given a command instead (docker compose run --rm web python manage.py <command>), wait for the
# database and run it, without migrating.
set -eu

python - <<'PY'
import os
import sys
import time

import django
from django.db import connection
from django.db.utils import OperationalError

django.setup()
deadline = time.monotonic() + int(os.environ.get("DB_WAIT_SECONDS", "60"))
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as error:
        if time.monotonic() > deadline:
            sys.exit(f"Database unreachable: {error}")
        print("Waiting for the database...", file=sys.stderr)
        time.sleep(1)
PY

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

# Refuse to serve with an unsafe setting (mediation/checks.py, Django's deployment checklist):
# errors stop here, warnings are printed.
python manage.py check --deploy --fail-level ERROR
python manage.py migrate --noinput
exec gunicorn mediation.wsgi:application \
    --bind "0.0.0.0:${PORT:-8000}" \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-180}"
