"""Traceability of the personal records of this app (CNIL), as for accompaniments: referrals
(a patient's identity and reasons) and orientations (part of a person's sheet) are logged with
their author and time; field values are masked, records named by id only."""

from accompaniments.audit import register_masked


def register_models():
    from .models import Orientation, Referral

    for model in (Referral, Orientation):
        register_masked(model)
