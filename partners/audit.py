"""Traceability of the personal records of this app (CNIL), as for accompaniments: referrals
(a patient's identity and reasons) and orientations (part of a person's sheet) are logged with
their author and time; field values are masked, records named by id only."""

from auditlog.registry import auditlog

from accompaniments.audit import NOT_TRACKED


def register_models():
    from .models import Orientation, Referral

    for model in (Referral, Orientation):
        fields = [f.name for f in model._meta.concrete_fields if f.name not in NOT_TRACKED and not f.primary_key]
        m2m = [f.name for f in model._meta.many_to_many]
        auditlog.register(
            model,
            exclude_fields=NOT_TRACKED,
            mask_fields=fields + m2m,
            mask_callable="accompaniments.audit.hide",
            m2m_fields=m2m,
        )
