"""The version of the data the bilan reads: a token that the database itself changes whenever a
row of a table the bilan reads is inserted, updated or deleted (or the table truncated), by any
path: forms, services, imports in bulk, QuerySet.update, raw SQL, the admin, a psql session.

Triggers installed after every `migrate` (post_migrate, idempotent) keep the token:
- PostgreSQL: a row trigger's WHEN clause marks the transaction at its first tracked write (a
  setting local to the transaction, undone with it, savepoints included), and one deferred
  constraint trigger per transaction draws a new token at commit time, so the token row is locked
  only for the last instant of the transaction. The token changes in the same commit as the data:
  a reader sees both or neither. A transaction that wrote tracked rows and has not committed
  reads its own uncommitted data: `current()` says so and the bilan is then not cached;
- SQLite: every tracked write draws a new token in the same transaction (writes are serialised
  there anyway).

The bilan's cache keys carry the token (reporting.bilan), so no figure is ever served from
before a write that could change it."""

# The statements here are built from constant names and the models' table names only; no value
# ever comes from a user.
# ruff: noqa: S608

from django.apps import apps
from django.db import connection, transaction

TABLE = "reporting_data_version"
TRIGGER = "zz_data_version"  # fires after the foreign key checks (triggers fire by name)

# Every model whose rows a figure of the bilan is read from, with their many-to-many tables.
# tests/reporting/test_bilan_cache.py checks that every table the bilan queries is in this list.
TRACKED_MODELS = (
    "accompaniments.Sheet",
    "accompaniments.SheetRequest",
    "mediation.Region",
    "mediation.Territory",
    "mediation.Department",
    "mediation.Post",
    "mediation.PostHolding",
    "mediation.QpvPopulation",
    "mediation.VocabularyItem",
    "reporting.AnnualBilan",
    "reporting.BilanFigure",
)

POSTGRESQL_FUNCTIONS = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id smallint PRIMARY KEY, token varchar(40) NOT NULL)",
    f"INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text) ON CONFLICT (id) DO NOTHING",
    """CREATE OR REPLACE FUNCTION reporting_data_version_first_write() RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        IF current_setting('reporting.data_written', true) = 'on' THEN
            RETURN false;
        END IF;
        PERFORM set_config('reporting.data_written', 'on', true);
        RETURN true;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION reporting_data_version_bump() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text)
            ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
        RETURN NULL;
    END $$""",
)


def _postgresql_triggers(table):
    quoted = connection.ops.quote_name(table)
    return (
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quoted}",
        f"""CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {quoted}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (reporting_data_version_first_write()) EXECUTE FUNCTION reporting_data_version_bump()""",
        f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON {quoted}",
        f"""CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON {quoted}
        FOR EACH STATEMENT EXECUTE FUNCTION reporting_data_version_bump()""",
    )


SQLITE_SETUP = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, token varchar(40) NOT NULL)",
    f"INSERT OR IGNORE INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(16))))",
)


def _sqlite_triggers(table):
    quoted = connection.ops.quote_name(table)
    statements = []
    for operation in ("INSERT", "UPDATE", "DELETE"):
        name = connection.ops.quote_name(f"{TRIGGER}_{table}_{operation.lower()}")
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"""CREATE TRIGGER {name} AFTER {operation} ON {quoted} FOR EACH ROW BEGIN
                INSERT OR REPLACE INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(16))));
            END""",
        ]
    return statements


def tracked_tables():
    """The tables of TRACKED_MODELS and of their many-to-many fields."""
    tables = set()
    for label in TRACKED_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:  # a model a later migration brings
            continue
        tables.add(model._meta.db_table)
        tables.update(field.remote_field.through._meta.db_table for field in model._meta.many_to_many)
    return sorted(tables)


def install(using=None):
    """Create the token and the triggers of every tracked table (again: idempotent)."""
    from django.db import connections

    db = connections[using or "default"]
    if db.vendor not in ("postgresql", "sqlite"):
        return
    existing = set(db.introspection.table_names())
    tables = [t for t in tracked_tables() if t in existing]
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        if db.vendor == "postgresql":
            setup, triggers = POSTGRESQL_FUNCTIONS, _postgresql_triggers
        else:
            setup, triggers = SQLITE_SETUP, _sqlite_triggers
        for statement in setup:
            cursor.execute(statement)
        for table in tables:
            for statement in triggers(table):
                cursor.execute(statement)


def on_post_migrate(sender, using=None, **kwargs):
    install(using)


def current():
    """The token of the data as this connection sees it, or None when it cannot be trusted: this
    transaction wrote tracked rows it has not committed yet (PostgreSQL), or there is no token."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT token, current_setting('reporting.data_written', true) = 'on' FROM {TABLE} WHERE id = 1"
            )
        else:
            cursor.execute(f"SELECT token, 0 FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is None or row[1]:
        return None
    return row[0]
