"""The versions of the data the bilan reads: tokens that the database itself changes whenever a
row of a table the bilan reads is inserted, updated or deleted (or the table truncated), by any
path: forms, services, imports in bulk, QuerySet.update, raw SQL, the admin, a psql session.

Two kinds of token:
- one per year, for the rows that belong to a year: sheets and requests by the year they were
  opened in, annual bilans (and their figures and lists) by their bilan's year. A row moved from
  one year to another changes both; a sheet given to another mediator changes the years of its
  requests too (the readers' secrecy blocks count a request under its sheet's mediator);
- one global token, for every other table (posts, holdings, departments, vocabularies…: rare,
  reference data read by every year), and for a truncation of any table.
A figure of year Y is read under (global token, token of Y): a write to this year's sheets, the
usual case, leaves the entries of the years before valid.

Triggers installed after every `migrate` (post_migrate, idempotent) keep the tokens:
- PostgreSQL: a row trigger's WHEN clause notes the years written (or « every year ») in a
  setting local to the transaction (undone with it, savepoints included), and one deferred
  constraint trigger per transaction, queued at its first tracked write, draws new tokens for
  those years at commit time, in a fixed order: the token rows are locked only for the last
  instant of the transaction, and writers of different years do not wait for each other. The
  tokens change in the same commit as the data: a reader sees both or neither. A transaction that
  wrote tracked rows and has not committed reads its own uncommitted data: `tokens()` says so and
  the bilan is then not cached;
- SQLite: every tracked write draws new tokens in the same transaction (writes are serialised
  there anyway).

The bilan's cache keys carry the tokens of the years they read (reporting.bilan,
reporting.evolution), so no figure is ever served from before a write that could change it."""

# The statements here are built from constant names and the models' table names only; no value
# ever comes from a user.
# ruff: noqa: S608

from django.apps import apps
from django.db import connection, connections, transaction

TABLE = "reporting_data_version"
YEARS_TABLE = "reporting_data_version_year"
TRIGGER = "zz_data_version"  # fires after the foreign key checks (triggers fire by name)
NO_TOKEN = "-"  # a year no write has been recorded for since the triggers were installed

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

# The models whose rows belong to a year, and the field that says which (a date: its year).
YEAR_FIELDS = {
    "accompaniments.Sheet": "opened_on",
    "accompaniments.SheetRequest": "opened_on",
    "reporting.AnnualBilan": "year",
}
# Models whose year is their parent's, through a foreign key (their many-to-many rows too).
YEAR_PARENTS = {"reporting.BilanFigure": "bilan"}


def _year_expression(model, row, vendor):
    """SQL of the year of `row` (NEW or OLD) of one of YEAR_FIELDS' models, from its own columns."""
    field = model._meta.get_field(YEAR_FIELDS[model._meta.label])
    column = f"{row}.{connection.ops.quote_name(field.column)}"
    if field.get_internal_type() == "DateField":
        return (
            f"extract(year from {column})::int"
            if vendor == "postgresql"
            else f"CAST(strftime('%Y', {column}) AS integer)"
        )
    return f"{column}::int" if vendor == "postgresql" else f"CAST({column} AS integer)"


def _parent_function(parent):
    return f"reporting_data_version_year_of_{parent._meta.db_table}"


def year_sources():
    """{table: (parent model or None, column)}: how each row of a table knows its year — by
    a column of its own (parent None) or by its parent's row, whose id is in `column`."""
    sources = {}
    for label in (*YEAR_FIELDS, *YEAR_PARENTS):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if label in YEAR_FIELDS:
            sources[model._meta.db_table] = (None, None)
            year_model = model
        else:
            fk = model._meta.get_field(YEAR_PARENTS[label])
            year_model = fk.related_model
            sources[model._meta.db_table] = (year_model, fk.column)
        for field in model._meta.many_to_many:
            sources[field.remote_field.through._meta.db_table] = (
                (model, field.m2m_column_name()) if label in YEAR_FIELDS else (year_model, None)
            )
    # Many-to-many rows of a parented model (none today) would need two hops: every year.
    return {table: source for table, source in sources.items() if source[0] is None or source[1] is not None}


def _row_year(table, row, vendor):
    parent, column = year_sources()[table]
    if parent is None:
        return _year_expression(apps.get_model(_label_of(table)), row, vendor)
    quoted = f"{row}.{connection.ops.quote_name(column)}"
    if vendor == "postgresql":
        return f"{_parent_function(parent)}({quoted})"
    return (
        f"(SELECT {_year_expression(parent, connection.ops.quote_name(parent._meta.db_table), vendor)} "
        f"FROM {connection.ops.quote_name(parent._meta.db_table)} WHERE id = {quoted})"
    )


def _label_of(table):
    return next(m._meta.label for m in apps.get_models() if m._meta.db_table == table)


# ---------------------------------------------------------------------------------- PostgreSQL

POSTGRESQL_FUNCTIONS = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id smallint PRIMARY KEY, token varchar(40) NOT NULL)",
    f"INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text) ON CONFLICT (id) DO NOTHING",
    f"CREATE TABLE IF NOT EXISTS {YEARS_TABLE} (year integer PRIMARY KEY, token varchar(40) NOT NULL)",
    # Notes the years written (NULL: every year) in the transaction; true at its first tracked
    # write only, so that one deferred trigger is queued per transaction.
    """CREATE OR REPLACE FUNCTION reporting_data_version_note(years integer[]) RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        noted text := coalesce(nullif(current_setting('reporting.data_years', true), ''), ',');
        changed boolean := false;
        written integer;
    BEGIN
        IF years IS NULL OR array_position(years, NULL) IS NOT NULL THEN
            IF position(',g,' IN noted) = 0 THEN
                noted := noted || 'g,';
                changed := true;
            END IF;
        END IF;
        FOREACH written IN ARRAY coalesce(array_remove(years, NULL), '{}') LOOP
            IF position(',' || written || ',' IN noted) = 0 THEN
                noted := noted || written || ',';
                changed := true;
            END IF;
        END LOOP;
        IF changed THEN
            PERFORM set_config('reporting.data_years', noted, true);
        END IF;
        IF current_setting('reporting.data_written', true) = 'on' THEN
            RETURN false;
        END IF;
        PERFORM set_config('reporting.data_written', 'on', true);
        RETURN true;
    END $$""",
    # At commit: new tokens for what the transaction wrote, global first then years ascending
    # (one order for every writer: no deadlock between two commits).
    f"""CREATE OR REPLACE FUNCTION reporting_data_version_bump() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        noted text := coalesce(current_setting('reporting.data_years', true), '');
        written integer;
    BEGIN
        IF position(',g,' IN noted) > 0 THEN
            INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text)
                ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
        END IF;
        FOR written IN
            SELECT DISTINCT part::integer FROM unnest(string_to_array(noted, ',')) AS part
            WHERE part ~ '^[0-9]+$' ORDER BY 1
        LOOP
            INSERT INTO {YEARS_TABLE} (year, token) VALUES (written, gen_random_uuid()::text)
                ON CONFLICT (year) DO UPDATE SET token = EXCLUDED.token;
        END LOOP;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION reporting_data_version_bump_all() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (id, token) VALUES (1, gen_random_uuid()::text)
            ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
        RETURN NULL;
    END $$""",
)


def _postgresql_setup():
    statements = list(POSTGRESQL_FUNCTIONS)
    parents = {parent for parent, _column in year_sources().values() if parent is not None}
    for parent in sorted(parents, key=lambda m: m._meta.db_table):
        table = connection.ops.quote_name(parent._meta.db_table)
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {_parent_function(parent)}(parent_id bigint) RETURNS integer
            LANGUAGE sql STABLE AS $$ SELECT {_year_expression(parent, table, "postgresql")}
            FROM {table} WHERE id = parent_id $$"""
        )
    statements.append(
        """CREATE OR REPLACE FUNCTION reporting_data_version_request_years(of_sheet bigint) RETURNS integer[]
        LANGUAGE sql STABLE AS $$ SELECT coalesce(array_agg(DISTINCT extract(year from opened_on)::int), '{}')
        FROM accompaniments_sheetrequest WHERE sheet_id = of_sheet $$"""
    )
    return statements


def _postgresql_triggers(table):
    quoted = connection.ops.quote_name(table)
    statements = [
        f"DROP TRIGGER IF EXISTS {name} ON {quoted}"
        for name in (TRIGGER, f"{TRIGGER}_insert", f"{TRIGGER}_update", f"{TRIGGER}_delete", f"{TRIGGER}_truncate")
    ]

    def deferred(name, events, years):
        return f"""CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {quoted}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (reporting_data_version_note({years})) EXECUTE FUNCTION reporting_data_version_bump()"""

    if table in year_sources():
        new, old = _row_year(table, "NEW", "postgresql"), _row_year(table, "OLD", "postgresql")
        changed = f"ARRAY[{old}, {new}]"
        if table == "accompaniments_sheet":  # its requests are counted under its mediator
            changed = (
                f"{changed} || CASE WHEN OLD.mediator_id IS DISTINCT FROM NEW.mediator_id "
                "THEN reporting_data_version_request_years(NEW.id) ELSE '{}'::integer[] END"
            )
        statements += [
            deferred(f"{TRIGGER}_insert", "INSERT", f"ARRAY[{new}]"),
            deferred(f"{TRIGGER}_update", "UPDATE", changed),
            deferred(f"{TRIGGER}_delete", "DELETE", f"ARRAY[{old}]"),
        ]
    else:
        statements.append(deferred(TRIGGER, "INSERT OR UPDATE OR DELETE", "NULL::integer[]"))
    statements.append(
        f"""CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON {quoted}
        FOR EACH STATEMENT EXECUTE FUNCTION reporting_data_version_bump_all()"""
    )
    return statements


# -------------------------------------------------------------------------------------- SQLite

SQLITE_SETUP = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, token varchar(40) NOT NULL)",
    f"INSERT OR IGNORE INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(16))))",
    f"CREATE TABLE IF NOT EXISTS {YEARS_TABLE} (year integer PRIMARY KEY NOT NULL, token varchar(40) NOT NULL)",
)
_SQLITE_BUMP_ALL = f"INSERT OR REPLACE INTO {TABLE} (id, token) VALUES (1, lower(hex(randomblob(16))));"


def _sqlite_bump_year(year):
    """Statements drawing a new token for `year` (SQL), or the global one when it is NULL."""
    return (
        f"INSERT OR REPLACE INTO {YEARS_TABLE} (year, token) SELECT y, lower(hex(randomblob(16))) "
        f"FROM (SELECT {year} AS y) WHERE y IS NOT NULL;\n"
        f"INSERT OR REPLACE INTO {TABLE} (id, token) SELECT 1, lower(hex(randomblob(16))) "
        f"FROM (SELECT {year} AS y) WHERE y IS NULL;"
    )


def _sqlite_triggers(table):
    quoted = connection.ops.quote_name(table)
    statements = []
    for operation in ("INSERT", "UPDATE", "DELETE"):
        if table in year_sources():
            rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[operation]
            body = "\n".join(_sqlite_bump_year(_row_year(table, row, "sqlite")) for row in rows)
            if table == "accompaniments_sheet" and operation == "UPDATE":
                body += (
                    f"\nINSERT OR REPLACE INTO {YEARS_TABLE} (year, token) SELECT DISTINCT "
                    "CAST(strftime('%Y', opened_on) AS integer), lower(hex(randomblob(16))) "
                    "FROM accompaniments_sheetrequest WHERE sheet_id = NEW.id "
                    "AND OLD.mediator_id IS NOT NEW.mediator_id;"
                )
        else:
            body = _SQLITE_BUMP_ALL
        name = connection.ops.quote_name(f"{TRIGGER}_{table}_{operation.lower()}")
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {operation} ON {quoted} FOR EACH ROW BEGIN\n{body}\nEND",
        ]
    return statements


# ------------------------------------------------------------------------------------- install


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
    """Create the tokens and the triggers of every tracked table (again: idempotent)."""
    db = connections[using or "default"]
    if db.vendor not in ("postgresql", "sqlite"):
        return
    existing = set(db.introspection.table_names())
    tables = [t for t in tracked_tables() if t in existing]
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        if db.vendor == "postgresql":
            setup, triggers = _postgresql_setup(), _postgresql_triggers
        else:
            setup, triggers = SQLITE_SETUP, _sqlite_triggers
        for statement in setup:
            cursor.execute(statement)
        for table in tables:
            for statement in triggers(table):
                cursor.execute(statement)


def on_post_migrate(sender, using=None, **kwargs):
    install(using)


def tokens(years=()):
    """(global token, {year: token}) as this connection sees them, in one query; None when they
    cannot be trusted: this transaction wrote tracked rows it has not committed yet (PostgreSQL),
    or there is no token."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    years = sorted({int(year) for year in years})
    if connection.vendor == "postgresql":
        written = "current_setting('reporting.data_written', true) = 'on'"
    else:
        written = "0"
    sql = f"SELECT 0, token, {written} FROM {TABLE} WHERE id = 1"
    if years:
        placeholders = ", ".join(["%s"] * len(years))
        sql += f" UNION ALL SELECT year, token, {written} FROM {YEARS_TABLE} WHERE year IN ({placeholders})"
    with connection.cursor() as cursor:
        cursor.execute(sql, years)
        rows = cursor.fetchall()
    found = {year: token for year, token, _written in rows}
    if 0 not in found or any(written for _year, _token, written in rows):
        return None
    return found.pop(0), {year: found.get(year, NO_TOKEN) for year in years}


def current():
    """The global token (see tokens())."""
    found = tokens()
    return None if found is None else found[0]
