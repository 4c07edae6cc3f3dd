"""Traceability of personal records (CNIL): every write and every display of a person's record
is logged by django-auditlog with its author and time. Logs name records by id only and show
which fields changed, never their values: no identity or health detail is copied into them."""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import accessed

from mediation.audit import track_m2m_by_id

NOT_TRACKED = [
    "version",
    "name_key",
    "last_name_sound",
    "first_name_sound",
    "phone_key",
    "created_at",
    "updated_at",
    "submission_key",
]


def hide(value):
    return "•••"


def register_masked(model):
    """Log every write of `model` with its author and time, naming which fields changed but
    masking their values; many-to-many changes list the ids added or removed, not their labels
    (auditlog's own m2m logging would copy the labels, e.g. a care barrier)."""
    fields = [f.name for f in model._meta.concrete_fields if f.name not in NOT_TRACKED and not f.primary_key]
    auditlog.register(
        model,
        exclude_fields=NOT_TRACKED,
        mask_fields=fields,
        mask_callable="accompaniments.audit.hide",
    )
    track_m2m_by_id(model, [f.name for f in model._meta.many_to_many])


def register_models():
    from .models import Beneficiary, Contact, Sheet, SheetRequest

    for model in (Beneficiary, Sheet, SheetRequest, Contact):
        register_masked(model)


def log_access(instance):
    """Record that the current user displayed this record (page, PDF or export)."""
    accessed.send(sender=instance.__class__, instance=instance)


def log_page(model, pks, *, page, actor):
    """Record that `actor` was shown these records on one page (a list, search results, a
    comparison): one access entry per record, named by id, with the kind of page in
    `additional_data["page"]`, all written by one insert whatever the number of rows."""
    log_bulk(model, sorted(set(pks)), action=LogEntry.Action.ACCESS, actor=actor, extra={"page": page})


def log_bulk(model, pks, *, action, actor, extra=None):
    """Audit entries for records written or read in bulk (imports, exports), which bypass the
    signals auditlog listens to: one entry per record, named by id only, with the author and,
    during a request, her address (from the auditlog middleware's context).

    Tens of thousands of entries are written with one `executemany`: every value but the record
    id is the same for all of them and is prepared once by the model's own fields."""
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_value
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    if not pks:
        return
    context = auditlog_value.get({})
    content_type = ContentType.objects.get_for_model(model)
    constants = {
        "content_type_id": content_type.pk,
        "action": action,
        "changes_text": "",
        "changes": {},
        "actor_id": getattr(actor, "pk", None),
        "actor_email": getattr(actor, "email", None),
        "remote_addr": context.get("remote_addr"),
        "cid": get_cid(),
        "timestamp": timezone.now(),
        "additional_data": extra,
    }
    prepared = [LogEntry._meta.get_field(name).get_db_prep_save(value, connection) for name, value in constants.items()]
    columns = [LogEntry._meta.get_field(name).column for name in constants] + ["object_pk", "object_id", "object_repr"]
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata, every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(LogEntry._meta.db_table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    label = f"{content_type.name} n° "
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*prepared, str(pk), pk, f"{label}{pk}") for pk in pks])


def log_batch(model, pks, *, action, actor, extra=None):
    """One audit entry for records written together by an import: the entry names how many
    and the records are listed beside it by id (AuditedRecord, two numbers a row, written by one
    statement), so that the person's journal still finds it. Tens of thousands of records cost
    one entry instead of tens of thousands."""
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_value
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from .models import AuditedRecord

    pks = sorted(set(pks))
    if not pks:
        return None
    context = auditlog_value.get({})
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_id=None,
        object_repr=f"{len(pks)} × {model._meta.verbose_name}",
        action=action,
        changes_text="",
        changes={},
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", None),
        remote_addr=context.get("remote_addr"),
        cid=get_cid(),
        additional_data={**(extra or {}), "records": len(pks)},
    )
    table = connection.ops.quote_name(AuditedRecord._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (entry_id, object_id) SELECT %s, unnest(%s::bigint[])",  # noqa: S608
                [entry.pk, pks],
            )
        else:
            AuditedRecord.objects.bulk_create(
                [AuditedRecord(entry_id=entry.pk, object_id=pk) for pk in pks], batch_size=5000
            )
    return entry
