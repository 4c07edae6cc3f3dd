"""The import kind of this app: the annual bilans of past years (history_import.py), declared
here and registered with the core's imports (mediation.imports.services) by ReportingConfig."""

from django import forms
from django.utils import timezone

from mediation.imports.forms import UploadForm
from mediation.imports.report import Column
from mediation.imports.services import ImportKind

from . import history_import as history
from .campaign_forms import FIRST_CAMPAIGN_YEAR
from .enums import FigureKey

YES_NO = "oui · non (ou vide)"
LIST = "Libellés ou codes de la liste régionale, séparés par des points-virgules."
LABELS = {
    "annee": ("Année du bilan", True, "Celle de l'import, par exemple 2023."),
    "departement": ("Département du poste", True, "Code du département, par exemple 59."),
    "code_poste": ("Code du poste", False, "Un poste de l'application, dans ce département."),
    "type_poste": ("Type de poste", False, "QPV · Rural ; obligatoire sans code de poste."),
    "email_mediateur": ("E-mail du ou de la médiateur·rice", False, "Rattache le bilan à son compte s'il existe."),
    "identifiant": ("Identifiant de la ligne dans votre tableur", False, "100 caractères au plus."),
    "exploitable": ("Bilan exploitable (entre dans les moyennes)", True, "oui · non"),
    "partenariat_cpam": ("Partenariat avec la CPAM", False, YES_NO),
    "identifie_terrain": ("Identifié·e sur le terrain", False, YES_NO),
    "missions_connues": ("Missions connues des partenaires", False, YES_NO),
    "instances_partenariales": ("Participation à des instances partenariales", False, YES_NO),
    "forme": ("Formation suivie", False, YES_NO),
    "projet_professionnel": (
        "Projet professionnel",
        False,
        "Défini · En réflexion · Aucun (aussi « projet défini », « en cours de réflexion », « non »…)",
    ),
    "formations": ("Formations suivies", False, "Texte libre."),
    "themes": ("Thèmes des actions collectives", False, LIST),
    "partenaires_coanimation": ("Partenaires ayant co-animé les actions", False, LIST),
    "publics": ("Publics et types de partenaires", False, LIST),
    "besoins_sante": ("Besoins de santé de la population", False, LIST),
    "freins": ("Freins à l'accès aux soins", False, LIST),
    "ce_qui_a_aide": ("Ce qui a aidé", False, "Texte libre, 5 000 caractères au plus."),
    "ce_qui_a_freine": ("Ce qui a freiné", False, "Texte libre, 5 000 caractères au plus."),
    "a_ameliorer": ("Ce qui serait à améliorer", False, "Texte libre, 5 000 caractères au plus."),
}


def _column(key):
    if key in history.FIGURE_COLUMNS:
        figure = history.FIGURE_COLUMNS[key]
        help_text = "Nombre entier positif ou nul ; vide : non renseigné."
        if key in history.YES_NO_FIGURES:
            help_text = "Nombre entier positif ou nul, ou oui · non (le questionnaire régional) ; vide : non renseigné."
        return Column(key, FigureKey(figure).label, help=help_text)
    label, required, help_text = LABELS[key]
    return Column(key, label, required, help_text)


class HistoryUploadForm(UploadForm):
    """The file, and the year its bilans are of (every row must carry it)."""

    year = forms.IntegerField(
        label="Année des bilans",
        min_value=FIRST_CAMPAIGN_YEAR - 10,
        error_messages={"invalid": "Saisissez une année, par exemple 2023."},
    )
    field_order = ["year", "file"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year >= timezone.localdate().year:
            raise forms.ValidationError("L'historique porte sur une année écoulée.")
        return year

    def options(self):
        return {"year": self.cleaned_data["year"]}


HISTORY = ImportKind(
    "bilans-historiques",
    "Bilans annuels historiques",
    "Les bilans annuels individuels des années antérieures à l'application, une ligne par bilan : ils sont "
    "importés validés, dans une campagne de l'année marquée « historique importé ».",
    tuple(_column(key) for key in history.COLUMNS),
    "bilans-historiques.md",
    "modele-bilans-historiques.csv",
    runner=history.HistoryImport,
    upload_form=HistoryUploadForm,
)
