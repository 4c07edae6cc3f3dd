# The web application: gunicorn serving Django, static files served by WhiteNoise.
# Build: docker build -t mediation .   Run with docker-compose.yml (PostgreSQL beside it).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=mediation.settings.prod

# WeasyPrint (PDF bilans) needs Pango, HarfBuzz and fonts from the system.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
        shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 mediation \
    && useradd --system --uid 10001 --gid mediation --home-dir /home/mediation --create-home mediation \
    && install -d -m 0700 -o mediation -g mediation /var/lib/mediation/imports

WORKDIR /app
# The runtime lock only (tests and tools are in requirements-dev.txt), every file checked against
# its hash.
COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY . .
# Static files are collected into the image; the key only satisfies the settings at build time.
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput \
    && chmod 0755 docker/entrypoint.sh

USER mediation
ENV HOME=/home/mediation
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 CMD ["python", "docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
