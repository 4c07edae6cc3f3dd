"""Traceability of personal records (CNIL): every write and every display of a person's record
is logged by django-auditlog with its author and time. Logs name records by id only and show
which fields changed, never their values: no identity or health detail is copied into them."""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import accessed
from django.db.models.signals import pre_save

NOT_TRACKED = ["version", "name_key", "created_at", "updated_at", "submission_key"]


def hide(value):
    return "•••"


def _register(model):
    fields = [f.name for f in model._meta.concrete_fields if f.name not in NOT_TRACKED and not f.primary_key]
    m2m = [f.name for f in model._meta.many_to_many]
    auditlog.register(
        model,
        exclude_fields=NOT_TRACKED,
        mask_fields=fields + m2m,
        mask_callable="accompaniments.audit.hide",
        m2m_fields=m2m,
    )


def _record_by_id_only(sender, instance, **kwargs):
    if instance.content_type_id and instance.object_pk:
        instance.object_repr = f"{instance.content_type.name} n° {instance.object_pk}"


def register_models():
    from .models import Beneficiary, Contact, Sheet, SheetRequest

    for model in (Beneficiary, Sheet, SheetRequest, Contact):
        _register(model)
    pre_save.connect(_record_by_id_only, sender=LogEntry, dispatch_uid="audit_record_by_id_only")


def log_access(instance):
    """Record that the current user displayed this record (page, PDF or export)."""
    accessed.send(sender=instance.__class__, instance=instance)
