"""Forms of the yearly campaign: opening a campaign, the mediator's bilan, the coordinator's
review steps and the history import. Every message is in French, next to its field."""

import datetime

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr
from dsfr.widgets import InlineCheckboxSelectMultiple, InlineRadioSelect

from mediation import perms
from mediation.enums import Role, Vocabulary
from mediation.idempotency import SubmissionKeyFormMixin
from mediation.models import Department, Region, VocabularyItem
from mediation.versioning import VersionedModelFormMixin

from . import campaigns
from .enums import MAX_FIGURE, OF_WHICH, REOPEN_STATES, BilanState, FigureKey
from .models import AnnualBilan, BilanFigure

FIRST_CAMPAIGN_YEAR = 2015
DEFAULT_WEEKS_TO_ANSWER = 6
MAX_TEXT = 5_000
YES_NO = [(True, "Oui"), (False, "Non")]


class CampaignForm(SubmissionKeyFormMixin, DsfrBaseForm):
    """Open a campaign over the coordinator's own territory: the region, or some departments."""

    year = forms.IntegerField(
        label="Année du bilan",
        help_text="L'année sur laquelle porte le bilan (en général l'année écoulée).",
        error_messages={"invalid": "Saisissez une année, par exemple 2025."},
    )
    region = forms.ModelChoiceField(
        label="Toute la région",
        queryset=Region.objects.none(),
        required=False,
        empty_label="Non : choisir des départements",
    )
    departments = forms.ModelMultipleChoiceField(
        label="Départements",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Si la campagne ne couvre pas toute la région.",
    )
    deadline = forms.DateField(
        label="Date limite de transmission",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        today = timezone.localdate()
        self.fields["year"].initial = today.year - 1
        self.fields["deadline"].initial = today + datetime.timedelta(weeks=DEFAULT_WEEKS_TO_ANSWER)
        self.fields["departments"].queryset = Department.objects.for_user(user).order_by("code")
        membership = perms.membership_of(user)
        if membership.role == Role.ADMIN:
            self.fields["region"].queryset = Region.objects.all()
        elif membership.region_id:
            self.fields["region"].queryset = Region.objects.filter(pk=membership.region_id)
            self.fields["region"].initial = membership.region_id
        else:
            del self.fields["region"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        current = timezone.localdate().year
        if not FIRST_CAMPAIGN_YEAR <= year <= current:
            raise forms.ValidationError(f"L'année doit être comprise entre {FIRST_CAMPAIGN_YEAR} et {current}.")
        return year

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError("La date limite ne peut pas être déjà passée.")
        return deadline

    def clean(self):
        data = super().clean()
        region, departments = data.get("region"), list(data.get("departments") or [])
        if bool(region) == bool(departments):
            self.add_error("departments", "Choisissez soit toute la région, soit un ou plusieurs départements.")
            return data
        allowed = set(perms.department_ids(self.user).values_list("pk", flat=True))
        ids = campaigns.scope_department_ids(region=region, departments=departments)
        if not ids <= allowed:
            raise forms.ValidationError("Vous ne pouvez ouvrir une campagne que sur votre territoire.")
        if data.get("year"):
            message = campaigns.overlap_message(data["year"], ids)
            if message:
                raise forms.ValidationError(message)
        return data


# ---------------------------------------------------------------- the mediator's bilan


def figure_field_name(key):
    return f"figure_{key}"


# The bilan form's sections, in the order of the regional questionnaire: title, figures, fields.
SECTIONS = [
    (
        "Les personnes accompagnées",
        [
            FigureKey.PEOPLE_TOTAL,
            FigureKey.PEOPLE_QPV,
            FigureKey.PEOPLE_RIGHTS,
            FigureKey.PEOPLE_CARE,
            FigureKey.PEOPLE_SOCIAL_PROTECTION,
        ],
        [],
    ),
    (
        "Les actions collectives",
        [
            FigureKey.ACTIONS_PUBLIC,
            FigureKey.ACTIONS_PROFESSIONALS,
            FigureKey.ACTIONS_COCONSTRUCTED,
            FigureKey.ACTIONS_ATTENDED,
        ],
        ["themes", "coanimating_partner_types"],
    ),
    (
        "Les partenaires",
        [FigureKey.PARTNERS_HEALTH, FigureKey.PARTNERS_SOCIAL, FigureKey.PARTNERS_MEDICOSOCIAL],
        ["publics", "cpam_partnership"],
    ),
    ("L'aller-vers", [FigureKey.OUTREACH_PEOPLE_MET, FigureKey.OUTREACH_DWELLINGS], []),
    ("La reconnaissance de votre rôle", [], ["identified_on_ground", "missions_known", "partner_bodies"]),
    ("Besoins de santé et freins à l'accès aux soins", [], ["health_needs", "barriers"]),
    ("Trois questions ouvertes", [], ["what_helped", "what_hindered", "what_to_improve"]),
    ("L'après médiateur", [], ["professional_project", "trained", "training_details"]),
]
BOOLEAN_FIELDS = ["cpam_partnership", "identified_on_ground", "missions_known", "partner_bodies", "trained"]
LIST_FIELDS = {
    "themes": Vocabulary.PREVENTION_THEME,
    "coanimating_partner_types": Vocabulary.COANIMATING_PARTNER,
    "publics": Vocabulary.PUBLIC,
    "health_needs": Vocabulary.HEALTH_NEED,
    "barriers": Vocabulary.CARE_BARRIER,
}
TEXT_FIELDS = ["what_helped", "what_hindered", "what_to_improve", "training_details"]
ANSWER_REQUIRED = "Répondez à cette question avant de transmettre votre bilan."
FIGURE_REQUIRED = "Indiquez un nombre (0 s'il n'y en a pas) avant de transmettre votre bilan."


def figure_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_FIGURE,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_FIGURE, "step": 1, "inputmode": "numeric"}),
        error_messages={
            "invalid": "Saisissez un nombre entier, sans virgule ni espace.",
            "min_value": "Un nombre ne peut pas être négatif.",
            "max_value": f"Ce nombre paraît trop grand (au plus {MAX_FIGURE:,}).".replace(",", " "),
        },
    )


class BilanForm(VersionedModelFormMixin, DsfrBaseForm, forms.ModelForm):
    """The mediator's bilan. Each figure shows the value computed from her records; what she
    types is kept as declared only where it differs from it. With `submitting`, everything the
    regional bilan needs must be answered."""

    class Meta:
        model = AnnualBilan
        fields = BOOLEAN_FIELDS + list(LIST_FIELDS) + TEXT_FIELDS + ["professional_project"]
        widgets = {
            **{name: InlineRadioSelect(choices=YES_NO) for name in BOOLEAN_FIELDS},
            **{name: InlineCheckboxSelectMultiple for name in LIST_FIELDS},
            "professional_project": InlineRadioSelect,
        }

    def __init__(self, *args, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.figures = self.instance.figures_by_key()
        for key, figure in self.figures.items():
            name = figure_field_name(key)
            self.fields[name] = figure_field(FigureKey(key).label)
            self.fields[name].initial = figure.value
        # Each list offers its active values and, retired or not, the values already chosen:
        # all read in one query (the chosen ones come from the view's prefetch).
        selected = {self.instance.professional_project_id} - {None}
        if self.instance.pk:
            for name in LIST_FIELDS:
                selected |= {item.pk for item in getattr(self.instance, name).all()}
        offered = Q(is_active=True) | Q(pk__in=selected)
        vocabularies = [*LIST_FIELDS.values(), Vocabulary.PROFESSIONAL_PROJECT]
        choices = {vocabulary: [] for vocabulary in vocabularies}
        for item in VocabularyItem.objects.filter(offered, vocabulary__in=vocabularies).order_by("order", "label"):
            choices[item.vocabulary].append((item.pk, str(item)))
        for name, vocabulary in [*LIST_FIELDS.items(), ("professional_project", Vocabulary.PROFESSIONAL_PROJECT)]:
            field = self.fields[name]
            field.queryset = VocabularyItem.objects.of(vocabulary).filter(offered)
            field.choices = choices[vocabulary]
            field.error_messages["invalid_choice"] = "Ce choix n'est pas proposé."
            if name in LIST_FIELDS:
                field.help_text = "Plusieurs réponses possibles."
                field.error_messages["invalid_pk_value"] = "Ce choix n'est pas proposé."
        for name in TEXT_FIELDS:
            self.fields[name].validators.append(MaxLengthValidator(MAX_TEXT))
            self.fields[name].widget.attrs.update({"rows": 4, "maxlength": MAX_TEXT})
        self.fields["training_details"].help_text = "Intitulé, organisme, durée."
        # Fields were changed after DsfrBaseForm styled them: style them again, as they are now.
        self._bound_fields_cache.clear()
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    # ------------------------------------------------------------ display

    def sections(self):
        """(title, [(bound field, figure, role)], [bound fields]) for the template; a figure's role
        is "total" when others are part of it, "part" when it is one of them, else ""."""
        totals = set(OF_WHICH.values())

        def role(key):
            return "total" if key in totals else "part" if key in OF_WHICH else ""

        return [
            (
                title,
                [(self[figure_field_name(k)], self.figures[k], role(k)) for k in keys],
                [self[n] for n in names],
            )
            for title, keys, names in SECTIONS
        ]

    # ------------------------------------------------------------ checks

    def clean(self):
        data = super().clean()
        typed = {key: data.get(figure_field_name(key)) for key in FigureKey.values}
        for part, whole in OF_WHICH.items():
            if typed[part] is not None and typed[whole] is not None and typed[part] > typed[whole]:
                self.add_error(
                    figure_field_name(part),
                    f"Ce nombre ({typed[part]}) ne peut dépasser le total des personnes accompagnées "
                    f"({typed[whole]}) : c'en est une partie.",
                )
        if self.submitting:
            for key, value in typed.items():
                name = figure_field_name(key)
                if value is None and name not in self.errors:
                    self.add_error(name, FIGURE_REQUIRED)
            for name in BOOLEAN_FIELDS + ["professional_project"]:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, ANSWER_REQUIRED)
        return data

    def differences_with_stored(self):
        """The answers and the figures stored meanwhile that differ from what was typed."""
        differences = super().differences_with_stored()
        stored = {f.key: f.value for f in BilanFigure.objects.filter(bilan=self.instance)}
        for key in FigureKey.values:
            typed = self.cleaned_data.get(figure_field_name(key))
            if typed is not None and stored.get(key) != typed:
                value = stored.get(key)
                differences.append((FigureKey(key).label, "vide" if value is None else str(value)))
        return differences

    # ------------------------------------------------------------ saving

    @transaction.atomic
    def save(self, commit=True):
        if self.instance.state == BilanState.NOT_STARTED:
            self.instance.state = BilanState.DRAFT
        bilan = super().save(commit=commit)
        to_create, to_update = [], []
        for key, figure in self.figures.items():
            typed = self.cleaned_data.get(figure_field_name(key))
            declared = None if typed is None or typed == figure.computed else typed
            if figure.pk is None:
                to_create.append(BilanFigure(bilan=bilan, key=key, declared=declared))
            elif figure.declared != declared:
                figure.declared = declared
                to_update.append(figure)
        BilanFigure.objects.bulk_create(to_create)
        BilanFigure.objects.bulk_update(to_update, ["declared"])
        return bilan


# ---------------------------------------------------------------- the coordinator's review


class SendBackForm(DsfrBaseForm):
    comment = forms.CharField(
        label="Ce qui est à corriger",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Le message est envoyé par e-mail au·à la médiateur·rice et affiché en tête de son bilan.",
        error_messages={"required": "Expliquez ce qui est à corriger."},
    )


class ReopenForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Motif de la réouverture",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Le motif est gardé dans l'historique du bilan.",
        error_messages={"required": "Le motif de la réouverture est obligatoire."},
    )
    to_state = forms.ChoiceField(
        label="Le bilan revient",
        choices=[(s.value, s.label) for s in REOPEN_STATES],
        initial=BilanState.SENT_BACK,
        widget=InlineRadioSelect,
        error_messages={"invalid_choice": "Choisissez « Renvoyé pour correction » ou « Brouillon »."},
    )


class UsableForm(DsfrBaseForm):
    usable = forms.TypedChoiceField(
        label="Bilan exploitable",
        choices=[("True", "Oui"), ("False", "Non")],
        coerce=lambda value: value == "True",
        widget=InlineRadioSelect,
        help_text="Un bilan exploitable entre dans les moyennes du bilan régional.",
        error_messages={"required": "Indiquez si le bilan est exploitable.", "invalid_choice": "Oui ou non."},
    )
    reason = forms.CharField(
        label="Motif",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Le motif du changement est obligatoire."},
    )


class CampaignFilterForm(forms.Form):
    state = forms.ChoiceField(label="État", required=False, choices=[("", "Tous")] + list(BilanState.choices))
    department = forms.ModelChoiceField(
        label="Département", required=False, queryset=Department.objects.none(), empty_label="Tous"
    )
    usable = forms.ChoiceField(
        label="Exploitable", required=False, choices=[("", "Tous"), ("oui", "Oui"), ("non", "Non")]
    )
    gaps = forms.BooleanField(label="Seulement les bilans avec un écart signalé", required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "fr-select"

    def apply(self, bilans):
        """Filter a list of bilans (figures prefetched) by the valid criteria."""
        if not self.is_valid():
            return bilans
        data = self.cleaned_data
        if data["state"]:
            bilans = [b for b in bilans if b.state == data["state"]]
        if data["department"]:
            bilans = [b for b in bilans if b.department_id == data["department"].pk]
        if data["usable"]:
            bilans = [b for b in bilans if b.usable == (data["usable"] == "oui")]
        if data["gaps"]:
            bilans = [b for b in bilans if b.gap_keys()]
        return bilans
