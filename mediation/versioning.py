"""Optimistic concurrency for edits: the form carries the version it was opened with, and the
save only goes through if the row still has it. Works the same on SQLite and PostgreSQL."""

from django import forms
from django.db import transaction
from django.db.models import F


class StaleEdit(Exception):
    """The record changed since the form was opened."""


STALE_MESSAGE = (
    "Ces informations ont été modifiées par ailleurs depuis que vous avez ouvert la page "
    "(autre onglet ou autre personne). Rien n'a été écrasé. "
    "Valeurs enregistrées entre-temps qui diffèrent de votre saisie : {fields}. "
    "Vos saisies sont conservées ci-dessous : vérifiez-les puis enregistrez à nouveau."
)


def _blank_as_none(value):
    """An empty text and no value are the same answer; "Non" (False) and 0 are answers."""
    return None if value == "" else value


def _shown(instance, field, value):
    """A stored value as the person would read it."""
    if value is None or value == "":
        return "vide"
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


class VersionedModelFormMixin(forms.Form):
    """For ModelForms of models with a `version` field."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def differences_with_stored(self):
        """(label, stored value) for each field where what is stored now differs from what was typed."""
        model = type(self.instance)
        fresh = model.objects.get(pk=self.instance.pk)
        differences = []
        for name in self._meta.fields or []:
            if name not in self.fields or name not in self.cleaned_data:
                continue
            field = model._meta.get_field(name)
            if field.many_to_many:
                continue
            stored, typed = getattr(fresh, name), self.cleaned_data[name]
            if _blank_as_none(stored) != _blank_as_none(typed):
                differences.append((str(field.verbose_name), _shown(fresh, field, stored)))
        return differences

    def clean(self):
        data = super().clean()
        if self.instance.pk and data.get("version") != self._stored_version():
            self._raise_stale()
        return data

    def _stored_version(self):
        model = type(self.instance)
        return model.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()

    def _raise_stale(self):
        # The re-shown form carries the current version: once reviewed, saving again goes through.
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = self._stored_version()
        differences = self.differences_with_stored()
        fields = "; ".join(f"{label} : « {value} »" for label, value in differences) or "aucun champ de ce formulaire"
        raise forms.ValidationError(STALE_MESSAGE.format(fields=fields), code="stale")

    @transaction.atomic
    def save(self, commit=True):
        if self.instance.pk:
            model = type(self.instance)
            version = self.cleaned_data.get("version")
            bumped = model.objects.filter(pk=self.instance.pk, version=version).update(version=F("version") + 1)
            if not bumped:
                raise StaleEdit
            self.instance.version = version + 1
        return super().save(commit=commit)
