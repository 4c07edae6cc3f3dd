"""Writes on accompaniment sheets. Each function is one transaction: a sheet is saved with its
requests and its first contact, or not at all."""

import datetime
import uuid

from django.db import transaction
from django.db.models import F

from mediation.idempotency import save_once

from .enums import RequestStatus
from .models import Contact, Sheet, SheetRequest
from .sheet_forms import BaseRequestFormSet, ContactForm, SheetForm


@transaction.atomic
def create_sheet(*, form: SheetForm, requests: BaseRequestFormSet, key: uuid.UUID | None) -> Sheet:
    """Save a new sheet under the form's double-submit `key` (with the person's situation as
    typed, her sex and her age on the day), its requests and the contact that opened it."""
    sheet = form.save(commit=False)
    beneficiary = sheet.beneficiary
    sheet.pk, sheet.submission_key = None, key
    sheet.sex_id = beneficiary.sex_id
    sheet.age = beneficiary.age_on(sheet.opened_on)
    sheet.save()
    form.save_m2m()
    requests.instance = sheet
    requests.save()
    Contact.objects.create(sheet=sheet, date=sheet.opened_on, mode_id=sheet.contact_mode_id)
    return sheet


@transaction.atomic
def update_sheet(*, form: SheetForm, requests: BaseRequestFormSet) -> Sheet:
    """Save an edited sheet and its requests. Raises StaleEdit, writing nothing, if the sheet
    changed since the form was opened (its version is bumped by every save, requests included)."""
    sheet = form.save(commit=False)
    if "opened_on" in form.changed_data:
        age = sheet.beneficiary.age_on(sheet.opened_on)
        if age is not None:
            sheet.age = age
    sheet.save()
    form.save_m2m()
    requests.save()
    return sheet


@transaction.atomic
def close_request(sheet_request: SheetRequest, *, resolved: bool, on: datetime.date) -> bool:
    """Close a request still in progress; False, writing nothing, if it was closed or removed
    meanwhile. Rows are locked in the order of every sheet save, the sheet first and then its
    requests, so that a colleague saving the sheet at that moment waits for this close (and then
    finds the sheet stale) instead of deadlocking with it. The sheet's version moves too, so that
    a form still open on the sheet cannot put the request back in progress."""
    Sheet.objects.select_for_update().only("pk").get(pk=sheet_request.sheet_id)
    stored = SheetRequest.objects.filter(pk=sheet_request.pk).values_list("status", flat=True).first()
    if stored != RequestStatus.IN_PROGRESS:
        return False
    sheet_request.resolve(on=on, resolved=resolved)
    Sheet.objects.filter(pk=sheet_request.sheet_id).update(version=F("version") + 1)
    return True


def add_contact(form: ContactForm) -> bool:
    """Save the contact under the form's key; False, saving nothing, if this same form was saved
    already, also by a simultaneous submit (the core's guard, mediation.idempotency)."""

    def create(key):
        form.instance.pk, form.instance.submission_key = None, key
        return form.save()

    _, created = save_once(Contact.objects.filter(sheet=form.sheet), form.submission_key, create)
    return created
