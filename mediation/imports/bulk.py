"""Inserting tens of thousands of new rows of one model, for the bulk imports.

`insert(objs)` writes unsaved instances of one model and gives each its primary key, as
`bulk_create` does. On PostgreSQL it reserves the keys from the table's sequence in one query and
sends the rows by COPY, which psycopg formats in C: `bulk_create` spends most of an import's
writing time preparing every value of every field in Python (about 4 s of 10 for the 50 000 rows
of `benchmark_import`). Elsewhere, and for a model whose queryset overrides `bulk_create` (it
adds work of its own), it is `bulk_create`.

Like `bulk_create`, no signal is sent and `save()` is not called: the instances' values are
written as they are, with their fields' defaults from the constructor, and the timestamps of
`auto_now`/`auto_now_add` fields (one instant for the whole batch). Row triggers fire as for any
insert (PostgreSQL runs them for COPY too)."""

import enum

from django.db import connection, models
from django.utils import timezone


def insert(objs, *, batch_size=None):
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    overridden = type(model._default_manager.get_queryset()).bulk_create is not models.QuerySet.bulk_create
    if connection.vendor != "postgresql" or overridden:
        return model._default_manager.bulk_create(objs, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        for obj, pk_value in zip(objs, ids, strict=True):
            setattr(obj, pk.attname, pk_value)
        columns = ", ".join(quote(f.column) for f in [pk, *fields])
        attnames = [pk.attname, *(f.attname for f in fields)]
        # Table and column names come from the model's metadata; the values travel as COPY data.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([_plain(getattr(obj, name)) for name in attnames])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _plain(value):
    # Django's choices (str or int enums) as their value, as the fields would prepare them.
    return value.value if isinstance(value, enum.Enum) else value
