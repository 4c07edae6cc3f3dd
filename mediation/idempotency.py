"""The double-submit guard of the create forms: a form carries a key drawn when it is shown, the
record is saved under that key (a unique column), and the same form sent again — twice in a row or
at the same moment — finds the record the first submit saved instead of creating a second one."""

import uuid

from django import forms
from django.db import IntegrityError, transaction

KEY_FIELD = "submission_key"
ALTERED_KEY = (
    "Ce formulaire n'a pas pu être reconnu (il a peut-être été modifié) : vérifiez la saisie puis renvoyez-le."
)


class SubmissionKeyFormMixin:
    """A hidden `submission_key` drawn for each new form; cleaned into a UUID, or None when the
    form came without one (the record is then saved without the guard). A malformed key is a
    French error above the form, and the form shown again carries a fresh key."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if getattr(getattr(self, "instance", None), "pk", None):
            return  # an edit form: editing is guarded by the record's version
        self.fields[KEY_FIELD] = forms.UUIDField(
            widget=forms.HiddenInput, required=False, error_messages={"invalid": ALTERED_KEY}
        )
        self.fields[KEY_FIELD].initial = uuid.uuid4()

    def clean(self):
        data = super().clean()
        if KEY_FIELD in self.errors:
            # A hidden field's error would show nowhere: say it above the form, with a usable key.
            del self.errors[KEY_FIELD]
            self.add_error(None, ALTERED_KEY)
            self.data = self.data.copy()
            self.data[self.add_prefix(KEY_FIELD)] = str(uuid.uuid4())
        return data

    @property
    def submission_key(self):
        """The cleaned key, also of a form refused for other errors; None before validation."""
        return getattr(self, "cleaned_data", {}).get(KEY_FIELD)


def saved_under(queryset, key):
    """The record of `queryset` (the user's scope) a submit with `key` saved, if any."""
    return queryset.filter(submission_key=key).first() if key else None


def save_once(queryset, key, create):
    """Save a record once per submission key: `create(key)` saves it with that key and returns it.
    Returns (record, True), or (the record saved first, False) when this key was used already —
    also by a simultaneous submit, whose insert the unique key refuses. A key taken outside
    `queryset` (the user's scope) is no double submit: the record is then saved without a key."""
    if saved := saved_under(queryset, key):
        return saved, False
    try:
        with transaction.atomic():
            return create(key), True
    except IntegrityError:
        if key is None:
            raise
        if saved := saved_under(queryset, key):
            return saved, False
        if not queryset.model._base_manager.filter(submission_key=key).exists():
            raise
    with transaction.atomic():
        return create(None), True
