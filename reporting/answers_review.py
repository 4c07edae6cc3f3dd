"""The coordinator's review of a validated bilan's three open answers, before they reach readers.

The mediator's texts (what_helped…) are never changed: the review stores, beside them, the texts
readers and published editions get (what_helped_for_readers…), which the coordinator may edit to
take out a name or a detail, or leave empty to withhold an answer. Until reviewed, a bilan's open
answers are shown to coordinators only, marked « non relue » (reporting.annual)."""

from django import forms
from django.db import transaction
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from .annual import OPEN_QUESTIONS, READERS_FIELD
from .enums import BilanAction, BilanState
from .models import AnnualBilan, BilanEvent

MAX_TEXT = 5_000


class AnswersReviewForm(DsfrBaseForm):
    """The three texts as readers will read them, prefilled with the mediator's (or the ones
    already published)."""

    what_helped_for_readers = forms.CharField(
        label="Ce qui a facilité l'action",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    what_hindered_for_readers = forms.CharField(
        label="Ce qui l'a freinée", required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    what_to_improve_for_readers = forms.CharField(
        label="Ce qu'il faudrait améliorer",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, bilan=None, **kwargs):
        if bilan is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = initial_texts(bilan)
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.help_text = "Laissez vide pour ne pas diffuser cette réponse."
            field.error_messages["max_length"] = f"{MAX_TEXT} caractères au plus."


def initial_texts(bilan):
    """The texts the form starts from: the published ones once reviewed, else the mediator's."""
    if bilan.answers_reviewed_at:
        return {READERS_FIELD[field]: getattr(bilan, READERS_FIELD[field]) for field, _t in OPEN_QUESTIONS}
    return {READERS_FIELD[field]: getattr(bilan, field) for field, _t in OPEN_QUESTIONS}


def edited_questions(bilan):
    """Titles of the questions whose published text differs from the mediator's."""
    return [
        title
        for field, title in OPEN_QUESTIONS
        if getattr(bilan, READERS_FIELD[field]).strip() != getattr(bilan, field).strip()
    ]


def review_answers(bilan, *, by, texts):
    """Mark the open answers of a validated bilan reviewed, with the texts readers get. False if the
    bilan is not validated (its answers may still change). Saved through the model, so that the
    audit log records the texts; the workflow's log says who reviewed and which answers were edited."""
    with transaction.atomic():
        locked = AnnualBilan.objects.select_for_update().get(pk=bilan.pk)
        if locked.state != BilanState.VALIDATED:
            return False
        for field, _title in OPEN_QUESTIONS:
            setattr(locked, READERS_FIELD[field], texts[READERS_FIELD[field]].strip())
        locked.answers_reviewed_at = timezone.now()
        locked.answers_reviewed_by = by
        locked.version += 1
        locked.save(
            update_fields=[
                *READERS_FIELD.values(),
                "answers_reviewed_at",
                "answers_reviewed_by",
                "version",
                "updated_at",
            ]
        )
        edited = edited_questions(locked)
        comment = ("modifiées ou retirées : " + ", ".join(edited)) if edited else "publiées telles quelles"
        BilanEvent.objects.create(bilan=locked, by=by, action=BilanAction.ANSWERS_REVIEWED, comment=comment)
    bilan.refresh_from_db()
    return True
