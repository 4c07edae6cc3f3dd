"""Forms of the people pages: a person's record, search, merge and caseload transfer. Every choice
is limited to the user's structure and checked again on submission: a tampered or stale value
gets a French field error, never a server error."""

import uuid

from django import forms
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr
from dsfr.widgets import InlineRadioSelect

from mediation import perms
from mediation.enums import Role, Vocabulary
from mediation.geography.fields import CommuneField
from mediation.models import Commune, Department, Qpv, User, VocabularyItem
from mediation.text import NameField
from mediation.versioning import VersionedModelFormMixin

from .enums import ConsentMethod
from .models import MIN_BIRTH_YEAR, Beneficiary

INVALID_CHOICE = "Choisissez une valeur de la liste proposée."
NOTES_MAX_LENGTH = 10_000
SEARCH_MAX_LENGTH = 100
MAX_DATABASE_ID = 2**63 - 1
PHONE_PATTERN = r"^\+?[0-9 .()-]{6,30}$"
LIVES_IN_QPV_CHOICES = [("True", "Oui"), ("False", "Non"), ("", "Non renseigné")]


def date_input(**attrs):
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def vocabulary_items(vocabulary, current_pk=None):
    """The values offered for a closed list: the active ones, plus the one stored on the record
    being edited even if it was retired since, so that an old record stays readable and saveable."""
    items = VocabularyItem.objects.of(vocabulary)
    if current_pk:
        return items.filter(Q(is_active=True) | Q(pk=current_pk))
    return items.active()


def structure_mediators(structure):
    """Active mediators of the structure."""
    return User.objects.filter(
        is_active=True, membership__role=Role.MEDIATOR, membership__structure=structure
    ).order_by("last_name", "first_name", "pk")


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids that are not integers of the database range before querying with them (an
    `IN` lookup with a 30-digit number fails in the database instead of matching nothing)."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                number = None
            if number is None or not 0 < number <= MAX_DATABASE_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class BeneficiaryForm(VersionedModelFormMixin, DsfrBaseForm, forms.ModelForm):
    """A person's record. Staff of the structure only; the structure and (for mediators) the
    referent are set by the view, never by the form."""

    lives_in_qpv = forms.NullBooleanField(
        label="Habite en QPV",
        required=False,
        widget=InlineRadioSelect(choices=LIVES_IN_QPV_CHOICES),
    )
    confirm_duplicate = forms.BooleanField(
        label="Il s'agit d'une autre personne : créer la fiche quand même",
        required=False,
    )
    # Drawn when the empty form is shown; cleaned into the person's `submission_key`.
    submission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    class Meta:
        model = Beneficiary
        fields = [
            "last_name",
            "first_name",
            "birth_date",
            "birth_year",
            "sex",
            "phone",
            "email",
            "address",
            "commune",
            "lives_in_qpv",
            "qpv",
            "resources",
            "came_via",
            "consent_on",
            "consent_method",
            "notes",
            "referent",
        ]
        field_classes = {"last_name": NameField, "first_name": NameField}
        widgets = {
            "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "address": forms.TextInput(attrs={"autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "birth_date": "Si vous la connaissez.",
            "birth_year": "À défaut de date de naissance.",
            "phone": "Par exemple 06 12 34 56 78.",
            "email": "Si la personne souhaite être contactée ainsi.",
            "notes": "Pas d'information médicale détaillée : seulement ce qui aide au suivi.",
        }

    def __init__(self, *args, user, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.structure = structure
        instance = self.instance
        today = timezone.localdate()
        max_year = today.year
        year_range = f"Indiquez une année de naissance entre {MIN_BIRTH_YEAR} et {max_year}."

        if instance.pk:
            del self.fields["confirm_duplicate"]
            del self.fields["submission_token"]
        else:
            self.fields["last_name"].widget.attrs["autofocus"] = True

        self.fields["birth_date"].widget = date_input(min=f"{MIN_BIRTH_YEAR}-01-01", max=today.isoformat())
        self.fields["birth_year"] = forms.IntegerField(
            label="Année de naissance",
            required=False,
            min_value=MIN_BIRTH_YEAR,
            max_value=max_year,
            help_text="À défaut de date de naissance.",
            error_messages={
                "invalid": "Saisissez une année en chiffres, par exemple 1975.",
                "min_value": year_range,
                "max_value": year_range,
            },
        )
        self.fields["consent_on"].widget = date_input(max=today.isoformat())
        for name in ("birth_date", "consent_on"):
            self.fields[name].error_messages["invalid"] = "Saisissez une date valide, par exemple 31/12/1975."
        self.fields["phone"].validators.append(
            RegexValidator(PHONE_PATTERN, "Saisissez un numéro de téléphone (chiffres, espaces, + ou points).")
        )
        self.fields["email"].error_messages["invalid"] = (
            "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."
        )
        self.fields["notes"].max_length = NOTES_MAX_LENGTH
        self.fields["notes"].validators.append(MaxLengthValidator(NOTES_MAX_LENGTH))

        for name, vocabulary in (
            ("sex", Vocabulary.SEX),
            ("resources", Vocabulary.RESOURCES),
            ("came_via", Vocabulary.CAME_VIA),
        ):
            field = self.fields[name]
            field.queryset = vocabulary_items(vocabulary, getattr(instance, f"{name}_id"))
            field.empty_label = "Non renseigné"

        # Typed, with the communes of the structure's department as suggestions (the page never
        # lists every commune of the region); a name several communes bear is looked for in the
        # structure's region first.
        region = Department.objects.filter(communes__structures=structure).values("region_id")[:1]
        self.fields["commune"] = CommuneField(
            label=self.fields["commune"].label,
            required=False,
            near=Commune.objects.filter(department__region_id__in=region),
            help_text="Tapez son nom ou son code INSEE, puis choisissez dans la liste ; laissez vide si inconnue.",
        )
        self.fields["commune"].set_suggestions(Commune.objects.filter(department_id=structure.commune.department_id))

        qpvs = Q(department_id=structure.commune.department_id)
        if instance.qpv_id:
            qpvs |= Q(pk=instance.qpv_id)
        self.fields["qpv"].queryset = Qpv.objects.filter(qpvs).order_by("name")
        self.fields["qpv"].empty_label = "Non renseigné"
        self.fields["qpv"].help_text = "Quartiers prioritaires du département de la structure."

        self.fields["consent_method"].choices = [("", "Non renseigné"), *ConsentMethod.choices]

        if perms.role_of(user) == Role.STRUCTURE_MANAGER:
            mediators = Q(pk__in=structure_mediators(structure).values("pk"))
            if instance.referent_id:
                mediators |= Q(pk=instance.referent_id)
            self.fields["referent"] = PersonChoiceField(
                queryset=User.objects.filter(mediators).order_by("last_name", "first_name", "pk"),
                label="Médiateur·rice référent·e",
                empty_label="Choisir un·e médiateur·rice",
                error_messages={"required": "Choisissez le·la médiateur·rice référent·e."},
            )
        else:
            del self.fields["referent"]

        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
                field.error_messages["invalid_choice"] = INVALID_CHOICE
        # Fields were replaced after DsfrBaseForm styled them: forget the bound fields it cached
        # (they point to the old fields) and style the new ones.
        self._bound_fields_cache.clear()
        for bound_field in self.visible_fields():
            dsfr_input_class_attr(bound_field)

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value is None:
            return value
        if value > timezone.localdate():
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        if value.year < MIN_BIRTH_YEAR:
            raise forms.ValidationError(f"Indiquez une date de naissance à partir de {MIN_BIRTH_YEAR}.")
        return value

    def clean_submission_token(self):
        """The key of this submission: the UUID drawn with the form, or one derived from any other
        token (a stable key: the same token sent twice is the same submission). None if no token."""
        token = self.cleaned_data["submission_token"]
        if not token:
            return None
        try:
            return uuid.UUID(token)
        except ValueError:
            return uuid.uuid5(uuid.NAMESPACE_URL, f"beneficiary-submission:{token}")

    def clean_consent_on(self):
        value = self.cleaned_data.get("consent_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError("La date du consentement ne peut pas être dans le futur.")
        return value

    def clean(self):
        data = super().clean()
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        if birth_date and birth_year and birth_date.year != birth_year:
            self.add_error(
                "birth_year",
                f"L'année ({birth_year}) ne correspond pas à la date de naissance ({birth_date:%d/%m/%Y}) : "
                "corrigez l'une ou l'autre, ou laissez l'année vide.",
            )
        if data.get("qpv") and data.get("lives_in_qpv") is not True:
            self.add_error(
                "qpv",
                "Un QPV n'est indiqué que pour une personne qui habite en QPV : "
                "répondez « Oui » à « Habite en QPV » ou retirez le QPV.",
            )
        if data.get("consent_on") and not data.get("consent_method"):
            self.add_error("consent_method", "Précisez comment le consentement a été recueilli.")
        if data.get("consent_method") and not data.get("consent_on"):
            self.add_error("consent_on", "Indiquez la date à laquelle le consentement a été recueilli.")
        return data

    @property
    def birth_year_value(self):
        """The birth year the submitted data gives (from the date when there is one)."""
        data = getattr(self, "cleaned_data", {})
        if data.get("birth_date"):
            return data["birth_date"].year
        return data.get("birth_year")

    def focus_first_error(self):
        """Re-shown with errors: the cursor goes to the first field to correct."""
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        for bound_field in self.visible_fields():
            if bound_field.errors:
                bound_field.field.widget.attrs["autofocus"] = True
                return

    def ask_duplicate_confirmation(self):
        """Re-shown with probable duplicates: focus goes to the confirmation checkbox."""
        self.fields["last_name"].widget.attrs.pop("autofocus", None)
        self.fields["confirm_duplicate"].widget.attrs["autofocus"] = True


def initial_from_preserved(form_class, data):
    """The fields kept from a submission made after the session expired, as `initial` values:
    the form shows them as typed but nothing is validated or saved until the person submits."""
    initial = {}
    for key, values in data.lists():
        if key == "confirm_duplicate":
            continue
        initial[key] = values if len(values) > 1 else values[0]
    return initial


class BeneficiarySearchForm(DsfrBaseForm):
    """Sent by POST: a name must not end up in URLs, browser history or server logs."""

    q = forms.CharField(
        label="Rechercher une personne",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Nom et/ou prénom, accents et majuscules sans importance. "
        "La recherche porte sur toutes les personnes de la structure.",
        error_messages={"required": "Saisissez un nom ou un prénom."},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def clean_q(self):
        value = self.cleaned_data["q"]
        if not value.strip(" -'"):
            raise forms.ValidationError("Saisissez au moins une lettre du nom ou du prénom.")
        return value


class MergeForm(DsfrBaseForm):
    """Which record to merge into this one, and the versions of both records that were compared."""

    other = forms.ModelChoiceField(
        label="Fiche à fusionner dans celle-ci",
        queryset=Beneficiary.objects.none(),
        empty_label="Choisir une personne",
        error_messages={"invalid_choice": INVALID_CHOICE, "required": "Choisissez la fiche à fusionner."},
        help_text="Les doublons probables (nom proche, même date de naissance ou même téléphone) "
        "sont proposés en premier.",
    )
    target_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    other_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, target, user, duplicates=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["other"]
        field.queryset = Beneficiary.objects.for_user(user).filter(anonymised_at__isnull=True).exclude(pk=target.pk)
        duplicate_pks = {d.pk for d in duplicates}

        def label(b):
            year = f"né·e en {b.birth_year}" if b.birth_year else "année de naissance inconnue"
            return f"{b} — {year} — fiche n° {b.pk}"

        others = field.queryset.exclude(pk__in=duplicate_pks).order_by("name_key", "pk")
        field.choices = [
            ("", "Choisir une personne"),
            ("Doublons probables", [(d.pk, label(d)) for d in duplicates]),
            (
                "Autres personnes de la structure",
                [(b.pk, label(b)) for b in others.only("pk", "last_name", "first_name", "birth_year")],
            ),
        ]


class DistinctPairForm(forms.Form):
    """The two records a structure manager says are two people (both of her structure)."""

    first = forms.ModelChoiceField(queryset=Beneficiary.objects.none(), widget=forms.HiddenInput)
    second = forms.ModelChoiceField(queryset=Beneficiary.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = Beneficiary.objects.for_user(user).filter(anonymised_at__isnull=True)

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("first") == data.get("second"):
            raise forms.ValidationError("Choisissez deux fiches différentes.")
        return data


class CaseloadOriginForm(DsfrBaseForm):
    """Whose caseload is handed over: a mediator of the structure (current or former) who is the
    referent of people of the structure, or a member of it."""

    de = forms.ModelChoiceField(
        label="Médiateur·rice dont le suivi est transféré",
        queryset=User.objects.none(),
        empty_label="Choisir un·e médiateur·rice",
        error_messages={"invalid_choice": INVALID_CHOICE, "required": "Choisissez un·e médiateur·rice."},
        help_text="Y compris les comptes fermés (personne partie de la structure).",
    )

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        caseload = (
            Beneficiary.objects.filter(structure=structure, referent=OuterRef("pk"))
            .order_by()
            .values("referent")
            .annotate(n=Count("pk"))
            .values("n")
        )
        members = User.objects.filter(membership__structure=structure, membership__role=Role.MEDIATOR).values("pk")
        referents = Beneficiary.objects.filter(structure=structure).values("referent")
        field = self.fields["de"]
        field.queryset = (
            User.objects.filter(Q(pk__in=members) | Q(pk__in=referents))
            .annotate(caseload_size=Coalesce(Subquery(caseload), 0))
            .order_by("last_name", "first_name", "pk")
        )
        field.label_from_instance = self.label

    @staticmethod
    def label(user):
        name = user.get_full_name() or user.email
        closed = "" if user.is_active else " (compte fermé)"
        size = getattr(user, "caseload_size", None)
        count = "" if size is None else f" — {size} personne{'s' if size > 1 else ''} suivie{'s' if size > 1 else ''}"
        return f"{name}{closed}{count}"


class CaseloadTransferForm(DsfrBaseForm):
    """To whom, and whether all people or only some."""

    ALL, SOME = "all", "some"

    to_user = PersonChoiceField(
        label="Médiateur·rice qui reprend le suivi",
        queryset=User.objects.none(),
        empty_label="Choisir un·e médiateur·rice",
        error_messages={
            "invalid_choice": "Choisissez un·e médiateur·rice actif·ve de votre structure.",
            "required": "Choisissez qui reprend le suivi.",
        },
    )
    scope = forms.ChoiceField(
        label="Personnes concernées",
        choices=[(ALL, "Toutes les personnes suivies"), (SOME, "Seulement les personnes cochées ci-dessous")],
        initial=ALL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    beneficiaries = BoundedModelMultipleChoiceField(
        label="Personnes à transférer",
        queryset=Beneficiary.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Une des personnes cochées n'est pas (ou plus) suivie par ce·tte médiateur·rice.",
            "invalid_pk_value": "Une des personnes cochées n'est pas (ou plus) suivie par ce·tte médiateur·rice.",
        },
    )

    def __init__(self, *args, structure, origin, **kwargs):
        super().__init__(*args, **kwargs)
        self.origin = origin
        self.fields["to_user"].queryset = structure_mediators(structure)
        self.caseload = Beneficiary.objects.filter(structure=structure, referent=origin)
        self.fields["beneficiaries"].queryset = self.caseload

    def clean_to_user(self):
        to_user = self.cleaned_data["to_user"]
        if to_user == self.origin:
            raise forms.ValidationError("Choisissez un·e autre médiateur·rice que celui ou celle dont le suivi part.")
        return to_user

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.SOME and not data.get("beneficiaries") and "beneficiaries" not in self.errors:
            self.add_error(
                "beneficiaries", "Cochez au moins une personne, ou choisissez « Toutes les personnes suivies »."
            )
        return data

    def selected(self):
        """The people to hand over (all of the caseload, or the ticked ones)."""
        if self.cleaned_data["scope"] == self.ALL:
            return self.caseload
        return self.caseload.filter(pk__in=[b.pk for b in self.cleaned_data["beneficiaries"]])
