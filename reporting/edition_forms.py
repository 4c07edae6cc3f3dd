"""The form that publishes an edition of the bilan."""

from django import forms
from dsfr.forms import DsfrBaseForm

MAX_REASON = 2_000


class PublishForm(DsfrBaseForm):
    """Publish the next edition: the version the page offered (the same form sent twice, or by
    two people at once, publishes it once) and, from the second edition on, why."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label="Motif de la nouvelle édition",
        help_text="Ce qui a changé depuis l'édition précédente (une correction de fiches, un bilan validé "
        "après coup…). Il figure dans la liste des éditions et dans le JSON de l'édition.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_REASON,
        required=False,
        error_messages={"max_length": f"Le motif tient en {MAX_REASON} caractères au plus."},
    )

    def __init__(self, *args, next_version, **kwargs):
        super().__init__(*args, **kwargs)
        self.next_version = next_version
        self.initial.setdefault("version", next_version)
        if next_version == 1:
            del self.fields["reason"]

    def clean(self):
        # Required from the second edition on: the version the page was opened for says which (a
        # first edition's form sent twice is refused as already published, not for its reason).
        data = super().clean()
        if (data.get("version") or 0) > 1 and not data.get("reason", "").strip():
            self.add_error("reason", "Indiquez le motif de cette nouvelle édition.")
        return data
