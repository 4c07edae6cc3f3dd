"""scripts/backup_check.sh: the dump restores with every table, but the sessions and the cache
(session data, login and referral counters) are kept in no backup: their tables come back empty,
every other table with the same rows. With a recipient key, only the encrypted dump is kept."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection

from partners.models import ReferralRateBucket
from tests.factories import make_mediator

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "backup_check.sh"
EMPTIED_TABLES = ("django_session", "cache_table", "partners_referralratebucket")
PSQL, PG_RESTORE = shutil.which("psql"), shutil.which("pg_restore")
GPG, GPGCONF = shutil.which("gpg"), shutil.which("gpgconf")
BACKUP_KEY = "Sauvegardes médiation <sauvegardes@exemple.fr>"

pytestmark = [
    # Committed rows, for pg_dump to see; the reference data of the migrations is reloaded after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="pg_dump and pg_restore work on PostgreSQL only: the SQLite test database has no dump to check",
    ),
    pytest.mark.skipif(
        not (PSQL and PG_RESTORE and shutil.which("pg_dump")),
        reason="the PostgreSQL client tools (pg_dump, pg_restore, psql) are not installed",
    ),
]


def database_url(name):
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def psql(url, sql):
    result = subprocess.run(  # noqa: S603 (the PostgreSQL client, our own SQL)
        [PSQL, url, "--no-psqlrc", "--tuples-only", "--no-align", "--set", "ON_ERROR_STOP=1", "--command", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def row_counts(url):
    """{table: rows} for every table of the public schema."""
    sql = """
        SELECT table_name || '|' || (xpath('/row/n/text()', query_to_xml(
            format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
        FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"""
    return {table: int(n) for table, n in (line.split("|") for line in psql(url, sql).splitlines())}


@pytest.fixture
def restored_url():
    """A database to restore the kept dump into, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    admin_url = database_url(connection.settings_dict["NAME"])
    psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield database_url(name)
    psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_backup_keeps_no_session_nor_cache_row(tmp_path, restored_url):
    make_mediator()
    session = SessionStore()
    session["held"] = "une donnée de session"
    session.create()
    cache.set("allauth-login-counter", 3, timeout=3600)
    ReferralRateBucket.objects.create(client="empreinte", window=1, hits=2)
    source_url = database_url(connection.settings_dict["NAME"])
    source = row_counts(source_url)
    assert all(source[table] >= 1 for table in EMPTIED_TABLES) and source["mediation_user"] >= 1

    dump = tmp_path / "sauvegarde.dump"
    env = {**os.environ, "DATABASE_URL": source_url}
    run = subprocess.run([str(SCRIPT), str(dump)], env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    assert run.returncode == 0, run.stdout + run.stderr
    assert "OK :" in run.stdout

    subprocess.run(  # noqa: S603 (the PostgreSQL client)
        [PG_RESTORE, "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", restored_url, str(dump)],
        check=True,
        capture_output=True,
    )
    restored = row_counts(restored_url)
    assert set(restored) == set(source)
    for table in EMPTIED_TABLES:
        assert restored[table] == 0, table
    assert {t: n for t, n in restored.items() if t not in EMPTIED_TABLES} == {
        t: n for t, n in source.items() if t not in EMPTIED_TABLES
    }
    # The report says why those tables differ from the source.
    for table in EMPTIED_TABLES:
        line = next(line for line in run.stdout.splitlines() if line.startswith(f"{table} "))
        assert "non sauvegardée" in line


@pytest.fixture
def gnupg_home(tmp_path):
    """A keyring holding the backups' key pair, as the offline machine would; the server side
    needs only its public part. The agent gpg starts for it is stopped afterwards."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(  # noqa: S603 (gpg, fixed arguments)
        [GPG, "--batch", "--passphrase", "", "--quick-gen-key", BACKUP_KEY, "default", "default", "never"],
        env=env,
        check=True,
        capture_output=True,
    )
    yield env
    subprocess.run([GPGCONF, "--kill", "gpg-agent"], env=env, check=False)  # noqa: S603


@pytest.mark.skipif(not (GPG and GPGCONF), reason="gpg is not installed")
def test_an_encrypted_backup_leaves_no_plain_dump(tmp_path, gnupg_home):
    make_mediator()
    session = SessionStore()
    session.create()
    kept = tmp_path / "sauvegardes" / "mediation.dump.gpg"
    kept.parent.mkdir()
    env = {
        **gnupg_home,
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
        "BACKUP_GPG_RECIPIENT": BACKUP_KEY,
    }
    run = subprocess.run([str(SCRIPT), str(kept)], env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    assert run.returncode == 0, run.stdout + run.stderr

    # Only the encrypted file is kept, readable by its owner alone; it is no dump without the key.
    assert list(kept.parent.iterdir()) == [kept]
    assert kept.stat().st_mode & 0o077 == 0
    assert not kept.read_bytes().startswith(b"PGDMP")
    plain = tmp_path / "dechiffre.dump"
    subprocess.run(  # noqa: S603 (gpg, fixed arguments)
        [GPG, "--batch", "--quiet", "--output", str(plain), "--decrypt", str(kept)], env=gnupg_home, check=True
    )
    contents = subprocess.run(  # noqa: S603 (the PostgreSQL client)
        [PG_RESTORE, "--list", str(plain)], check=True, capture_output=True, text=True
    ).stdout
    assert "TABLE DATA public mediation_user " in contents
    assert "TABLE public django_session " in contents and "TABLE DATA public django_session " not in contents
