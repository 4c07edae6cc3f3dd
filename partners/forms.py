import re

from django import forms
from django.db.models import Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from accompaniments.models import search_key
from mediation.enums import Vocabulary
from mediation.geography import fields as geography_fields
from mediation.idempotency import SubmissionKeyFormMixin
from mediation.models import Commune, Department, Post, PostHolding, Qpv, VocabularyItem
from mediation.text import NameField
from mediation.versioning import VersionedModelFormMixin

from .enums import ActionAudience, ActionRole, PartnerType
from .models import (
    ActionPartner,
    CollectiveAction,
    MediatorPartner,
    Orientation,
    OutreachSession,
    Partner,
)

PHONE_PATTERN = re.compile(r"^(?=.*[0-9])[0-9+ .()/-]{3,30}$")  # short numbers too: 36 46, 115
PHONE_MESSAGE = "Saisissez un numéro de téléphone (chiffres, espaces, points ou +), par exemple 03 20 00 00 00."
FUTURE_DATE_MESSAGE = "La date ne peut pas être dans le futur."
MAX_COUNT = 100_000
COUNT_MESSAGE = "Saisissez un nombre entier entre 0 et 100 000."
PARTNER_OR_TYPE_MESSAGE = "Choisissez un partenaire du répertoire ou, à défaut, son type."


def vocabulary_items(vocabulary, keep=()):
    """The values offered for a closed list: the active ones, plus retired ones still on the record."""
    kept = [item.pk for item in keep]
    return VocabularyItem.objects.filter(Q(is_active=True) | Q(pk__in=kept), vocabulary=vocabulary)


def count_field(label, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_COUNT,
        error_messages={
            "invalid": COUNT_MESSAGE,
            "min_value": COUNT_MESSAGE,
            "max_value": COUNT_MESSAGE,
            "required": "Saisissez un nombre (0 si aucun).",
        },
        **kwargs,
    )


def clean_phone(value):
    value = (value or "").strip()
    if value and not PHONE_PATTERN.match(value):
        raise forms.ValidationError(PHONE_MESSAGE)
    return value


def posts_held_by(user):
    """Every post the mediator holds or held (records may be entered for past dates)."""
    return Post.objects.filter(pk__in=PostHolding.objects.filter(mediator=user).values("post_id")).select_related(
        "department", "structure"
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        widget=DateInput(),
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa).", "required": "Saisissez la date."},
        **kwargs,
    )


class MediatorPostMixin:
    """A `post` field limited to the mediator's posts, left out when she holds only one (her
    records then go to that post), and a check that she held the post on the record's date."""

    def setup_post_field(self, user):
        self.user = user
        posts = list(posts_held_by(user))
        instance_post = self.instance.post_id if self.instance.pk else None
        if len(posts) == 1 and instance_post in (None, posts[0].pk):
            del self.fields["post"]
            self.instance.post = posts[0]
            return
        field = self.fields["post"]
        field.queryset = posts_held_by(user)
        field.label_from_instance = lambda post: f"{post.code} — {post.structure.name}"
        field.empty_label = "Choisir un poste"
        field.error_messages["invalid_choice"] = "Choisissez l'un de vos postes."
        field.error_messages["required"] = "Choisissez le poste."

    def chosen_post(self, data):
        if "post" in self.fields:
            return data.get("post")
        return self.instance.post if self.instance.post_id else None

    def check_post_on_date(self, data):
        post, day = self.chosen_post(data), data.get("date")
        if post is None or day is None:
            return
        if not PostHolding.objects.active_on(day).filter(post=post, mediator=self.user).exists():
            self.add_error(
                "post" if "post" in self.fields else "date",
                f"Vous ne teniez pas le poste {post.code} le {day:%d/%m/%Y}.",
            )


# ---------------------------------------------------------------- directory


class PartnerForm(SubmissionKeyFormMixin, VersionedModelFormMixin, DsfrBaseForm, forms.ModelForm):
    website = forms.URLField(
        label="Site internet",
        max_length=300,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Saisissez une adresse de site valide, par exemple https://www.ameli.fr."},
    )
    confirm_distinct = forms.BooleanField(
        label="Je confirme qu'il s'agit d'un autre partenaire que ceux listés ci-dessus",
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Partner
        fields = [
            "department",
            "name",
            "partner_type",
            "category",
            "commune",
            "address",
            "phone",
            "email",
            "website",
            "publics",
        ]
        field_classes = {"name": NameField}
        widgets = {"publics": forms.CheckboxSelectMultiple}
        help_texts = {
            "name": "Le nom de l'organisation, par exemple « CPAM de Roubaix-Tourcoing » ou « CCAS de Lens ».",
            "phone": "Le standard ou l'accueil de l'organisation, pas le numéro d'une personne.",
            "email": "L'adresse générique de l'organisation (accueil, contact), pas celle d'une personne.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = list(Department.objects.for_user(user))
        if len(departments) == 1 and (not self.instance.pk or self.instance.department_id == departments[0].pk):
            del self.fields["department"]
            self.instance.department = departments[0]
        else:
            self.fields["department"].queryset = Department.objects.for_user(user)
            self.fields["department"].empty_label = "Choisir un département"
            self.fields["department"].error_messages["invalid_choice"] = "Choisissez l'un de vos départements."
        keep_category = [self.instance.category] if self.instance.pk else []
        self.fields["category"].queryset = vocabulary_items(Vocabulary.PARTNER_CATEGORY, keep_category)
        self.fields["category"].empty_label = "Choisir une catégorie"
        keep_publics = list(self.instance.publics.all()) if self.instance.pk else []
        self.fields["publics"].queryset = vocabulary_items(Vocabulary.PUBLIC, keep_publics)
        self.fields["publics"].required = False
        self.fields["publics"].widget.inline = True
        self.fields["commune"].queryset = Commune.objects.filter(department__in=departments).order_by("name")
        self.fields["commune"].error_messages["invalid_choice"] = "Choisissez une commune de la liste."
        self.fields["commune"].empty_label = "Choisir une commune"
        self.fields["partner_type"].choices = [("", "Choisir un type")] + list(PartnerType.choices)
        self.similar_partners = []

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        name = data.get("name")
        department = data.get("department") if "department" in self.fields else self.instance.department
        commune = data.get("commune")
        if commune and department and commune.department_id != department.pk:
            self.add_error("commune", "Cette commune n'est pas dans le département choisi.")
        name_changed = not self.instance.pk or "name" in self.changed_data
        if name and department and name_changed and not self.errors:
            self.similar_partners = list(
                Partner.objects.similar_to(name, department=department, exclude_pk=self.instance.pk)
                .select_related("commune")
                .order_by("name")[:10]
            )
            if self.similar_partners and not data.get("confirm_distinct"):
                self.fields["confirm_distinct"].widget = forms.CheckboxInput()
                self.add_error(
                    "confirm_distinct",
                    "Un partenaire au nom proche existe déjà dans le département : vérifiez la liste, "
                    "puis cochez cette case s'il s'agit bien d'un autre partenaire.",
                )
        return data


class PartnerFilterForm(forms.Form):
    """The directory's search and filters, sent by POST so that no typed text lands in a URL;
    unknown values are ignored, never an error page."""

    q = forms.CharField(label="Rechercher un nom", max_length=100, required=False)
    category = forms.ModelChoiceField(label="Catégorie", queryset=VocabularyItem.objects.none(), required=False)
    partner_type = forms.ChoiceField(label="Type", choices=[], required=False)
    department = forms.ModelChoiceField(label="Département", queryset=Department.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = VocabularyItem.objects.of(Vocabulary.PARTNER_CATEGORY)
        self.fields["category"].empty_label = "Toutes"
        self.fields["partner_type"].choices = [("", "Tous")] + list(PartnerType.choices)
        departments = Department.objects.for_user(user)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = "Tous mes départements"
        if len(departments) < 2:
            del self.fields["department"]
        for field in self.fields.values():
            field.widget.attrs["class"] = "fr-select" if isinstance(field.widget, forms.Select) else "fr-input"

    def criteria(self):
        """The chosen criteria as the strings a form sends (kept in the session), empty ones left out."""
        chosen = {}
        for name, value in self.cleaned_data.items():
            if value:
                chosen[name] = str(value.pk) if hasattr(value, "pk") else str(value)
        return chosen

    def filter(self, partners):
        if not self.is_valid():
            return partners
        data = self.cleaned_data
        if data.get("q"):
            partners = partners.search(data["q"])
        if data.get("category"):
            partners = partners.filter(category=data["category"])
        if data.get("partner_type"):
            partners = partners.filter(partner_type=data["partner_type"])
        if data.get("department"):
            partners = partners.filter(department=data["department"])
        return partners


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, partner):
        place = f" — {partner.commune.name}" if partner.commune_id else ""
        return f"{partner.name} ({partner.get_partner_type_display()}){place}"


class MediatorPartnerForm(
    SubmissionKeyFormMixin, VersionedModelFormMixin, MediatorPostMixin, DsfrBaseForm, forms.ModelForm
):
    partner = PartnerChoiceField(label="Partenaire", queryset=Partner.objects.none())

    class Meta:
        model = MediatorPartner
        fields = ["partner", "post", "since", "attends_bodies", "notes"]
        widgets = {"since": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_post_field(user)
        if self.instance.pk:
            del self.fields["partner"]
        else:
            current = MediatorPartner.objects.for_user(user).current().values("partner_id")
            self.fields["partner"].queryset = (
                Partner.objects.for_user(user).exclude(pk__in=current).select_related("commune").order_by("name")
            )
            self.fields["partner"].empty_label = "Choisir dans le répertoire du département"
            self.fields["partner"].error_messages["invalid_choice"] = (
                "Choisissez un partenaire du répertoire qui n'est pas déjà dans vos partenaires."
            )
            self.fields["since"].initial = timezone.localdate()
        self.fields["since"].error_messages["invalid"] = "Saisissez une date valide (jj/mm/aaaa)."

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since > timezone.localdate():
            raise forms.ValidationError(FUTURE_DATE_MESSAGE)
        return since


# ---------------------------------------------------------------- orientations out


class OrientationForm(SubmissionKeyFormMixin, DsfrBaseForm, forms.ModelForm):
    partner = PartnerChoiceField(label="Partenaire du répertoire", queryset=Partner.objects.none(), required=False)

    class Meta:
        model = Orientation
        fields = ["partner", "partner_type", "date", "reason", "outcome"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, sheet, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.fields["partner"].queryset = (
            Partner.objects.for_user(user).filter(department=sheet.post.department_id).select_related("commune")
        )
        self.fields["partner"].empty_label = "Aucun : préciser seulement le type"
        self.fields["partner"].error_messages["invalid_choice"] = "Choisissez un partenaire du répertoire."
        self.fields["partner_type"].required = False
        self.fields["partner_type"].choices = [("", "Choisir un type")] + list(PartnerType.choices)
        self.fields["partner_type"].help_text = "Obligatoire si le partenaire n'est pas dans le répertoire."
        self.fields["date"].initial = timezone.localdate()
        self.fields["date"].error_messages["invalid"] = "Saisissez une date valide (jj/mm/aaaa)."

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(FUTURE_DATE_MESSAGE)
        if day < self.sheet.opened_on:
            raise forms.ValidationError(
                f"L'orientation ne peut précéder l'ouverture de la fiche ({self.sheet.opened_on:%d/%m/%Y})."
            )
        return day

    def clean(self):
        data = super().clean()
        partner = data.get("partner")
        if partner is not None:
            data["partner_type"] = partner.partner_type
            self.instance.partner_type = partner.partner_type
        elif not data.get("partner_type") and "partner_type" not in self.errors:
            self.add_error("partner_type", PARTNER_OR_TYPE_MESSAGE)
        return data


class OrientationOutcomeForm(VersionedModelFormMixin, DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Orientation
        fields = ["outcome"]
        widgets = {"outcome": forms.RadioSelect}


# ---------------------------------------------------------------- referrals in


class CommuneField(geography_fields.CommuneField):
    """A commune typed or picked from a list: "Lens (62498)", "62498", a former code of a merged
    commune (mapped to its current commune) or "Lens" (mediation.geography.fields)."""


class ReferralForm(SubmissionKeyFormMixin, DsfrBaseForm):
    """The public fiche d'orientation. Every field has a maximum length; `website` is a trap
    for robots (hidden from people by CSS), which fill every field they find."""

    referrer_name = NameField(label="Vos nom et prénom", max_length=150)
    referrer_profession = forms.CharField(
        label="Votre profession", max_length=100, help_text="Par exemple : médecin généraliste, pharmacienne."
    )
    referrer_structure = NameField(label="Votre structure ou cabinet", max_length=200, required=False)
    referrer_phone = forms.CharField(label="Votre téléphone", max_length=30, required=False)
    referrer_email = forms.EmailField(
        label="Votre adresse e-mail",
        max_length=254,
        help_text="Vous y recevrez le numéro de suivi, puis la suite donnée. Format attendu : nom@domaine.fr",
    )
    patient_last_name = NameField(label="Nom du patient", max_length=150)
    patient_first_name = NameField(label="Prénom du patient", max_length=150)
    patient_phone = forms.CharField(label="Téléphone du patient", max_length=30)
    commune = CommuneField(
        label="Commune de résidence du patient",
        help_text="Tapez les premières lettres puis choisissez dans la liste ; ou saisissez le code INSEE.",
    )
    reasons = forms.ModelMultipleChoiceField(
        label="Motifs de l'orientation",
        queryset=VocabularyItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Cochez au moins un motif.",
            "invalid_choice": "Ce motif n'existe pas : cochez un motif de la liste.",
            "invalid_pk_value": "Ce motif n'existe pas : cochez un motif de la liste.",
        },
    )
    message = forms.CharField(
        label="Message pour le médiateur santé",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Ce qui aidera à prendre contact (2 000 caractères au plus). Inutile de joindre des données médicales."
        ),
    )
    patient_agreed = forms.BooleanField(
        label="Le patient est d'accord pour que le médiateur santé le contacte",
        error_messages={"required": "L'accord du patient est nécessaire pour transmettre l'orientation."},
    )
    website = forms.CharField(label="Site internet (laisser vide)", max_length=200, required=False)

    HONEYPOT = "website"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].queryset = VocabularyItem.objects.of(Vocabulary.REFERRAL_REASON).active()
        # The communes the posts cover, before anything is typed; the page's htmx asks for the
        # others as the professional types (no list of every commune of France).
        self.fields["commune"].set_suggestions(Commune.objects.filter(posts__isnull=False).distinct())
        self.fields["commune"].near = Commune.objects.filter(department__in=Post.objects.values("department_id"))
        self.fields["referrer_email"].widget.attrs["autocomplete"] = "email"
        self.fields["referrer_name"].widget.attrs["autocomplete"] = "name"
        self.fields[self.HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def is_trap_filled(self):
        return bool((self.data.get(self.HONEYPOT) or "").strip())

    def clean_referrer_phone(self):
        return clean_phone(self.cleaned_data.get("referrer_phone"))

    def clean_patient_phone(self):
        return clean_phone(self.cleaned_data.get("patient_phone"))


class BeneficiaryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        born = f", née ou né en {person.birth_year}" if person.birth_year else ""
        place = f", {person.commune.name}" if person.commune_id else ""
        return f"{person}{born}{place}"


def candidates_for(people, *, last_name, first_name, text=""):
    """People of the structure who may be the referred patient: the same name first, then those
    matching the search (by default, the patient's last name). Returns (candidates, same name found)."""
    exact = people.filter(name_key=search_key(last_name, first_name))
    key = search_key(text) if text else search_key(last_name)
    found = people.filter(Q(pk__in=exact.values("pk")) | Q(name_key__contains=key)) if key else exact
    return list(found.select_related("commune").order_by("last_name", "first_name")[:20]), exact.exists()


class AcceptReferralForm(DsfrBaseForm):
    """Whom the sheet is for: a person the structure already follows, or a new one made from
    the referral. The search is sent by POST, so that no name ever lands in a URL."""

    ACTIONS = [("search", "Rechercher"), ("accept", "Accepter")]

    search = forms.CharField(
        label="Rechercher une autre personne de la structure",
        max_length=150,
        required=False,
        help_text="Nom, ou nom et prénom.",
    )
    beneficiary = BeneficiaryChoiceField(
        label="Pour qui ouvrir la fiche ?",
        queryset=None,
        required=False,
        widget=forms.RadioSelect,
        blank=True,
        empty_label="Créer une nouvelle personne à partir de l'orientation",
        error_messages={"invalid_choice": "Choisissez une personne de la liste."},
    )
    action = forms.ChoiceField(choices=ACTIONS, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, referral, people, **kwargs):
        super().__init__(*args, **kwargs)
        text = str(self.data.get(self.add_prefix("search")) or "")[:150] if self.is_bound else ""
        self.candidates, self.has_same_name = candidates_for(
            people, last_name=referral.patient_last_name, first_name=referral.patient_first_name, text=text
        )
        field = self.fields["beneficiary"]
        # Any person of the structure validates; the radio buttons offer the candidates found.
        field.queryset = people
        field.choices = [("", field.empty_label)] + [
            (person.pk, field.label_from_instance(person)) for person in self.candidates
        ]
        field.initial = ""

    def clean_action(self):
        return self.cleaned_data.get("action") or "accept"


class DeclineReferralForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Motif",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Reste interne : le professionnel est seulement informé que l'orientation n'a pas pu être prise en charge."
        ),
        error_messages={"required": "Indiquez le motif du refus."},
    )


class AssignReferralForm(DsfrBaseForm):
    post = forms.ModelChoiceField(
        label="Poste",
        queryset=Post.objects.none(),
        error_messages={"required": "Choisissez un poste.", "invalid_choice": "Choisissez un poste de la liste."},
    )

    def __init__(self, *args, posts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = posts
        self.fields["post"].empty_label = "Choisir un poste du département"
        self.fields["post"].label_from_instance = self.post_label

    @staticmethod
    def post_label(post):
        communes = ", ".join(c.name for c in post.communes.all()) or "aucune commune renseignée"
        vacant = "" if getattr(post, "held", True) else " (poste vacant)"
        return f"{post.code} — {post.structure.name}{vacant} — {communes}"


class HandOverReferralForm(DsfrBaseForm):
    post = forms.ModelChoiceField(
        label="Confier à",
        queryset=Post.objects.none(),
        required=False,
        help_text="Sans poste choisi, l'orientation revient à la coordination du département, qui l'attribuera.",
        error_messages={"invalid_choice": "Choisissez un poste de la liste."},
    )
    reason = forms.CharField(
        label="Motif",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par exemple : la personne habite hors de votre secteur. Reste interne.",
        error_messages={"required": "Indiquez pourquoi vous confiez cette orientation."},
    )

    def __init__(self, *args, posts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = posts
        self.fields["post"].empty_label = "La coordination du département"
        self.fields["post"].label_from_instance = AssignReferralForm.post_label


# ---------------------------------------------------------------- outreach


class OutreachSessionForm(
    VersionedModelFormMixin, SubmissionKeyFormMixin, MediatorPostMixin, DsfrBaseForm, forms.ModelForm
):
    dwellings_visited = count_field("Logements visités")
    people_met = count_field("Personnes rencontrées")
    people_accepted_presentation = count_field(
        "Personnes ayant accepté la présentation",
        help_text="Parmi les personnes rencontrées, celles qui ont écouté la présentation de la médiation santé.",
    )

    class Meta:
        model = OutreachSession
        fields = [
            "post",
            "date",
            "commune",
            "qpv",
            "place",
            "dwellings_visited",
            "people_met",
            "people_accepted_presentation",
            "notes",
        ]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_post_field(user)
        posts = posts_held_by(user)
        covered = Commune.objects.filter(Q(posts__in=posts) | Q(qpvs__posts__in=posts)).values("pk")
        communes = Commune.objects.filter(pk__in=covered)
        if not communes.exists():
            communes = Commune.objects.filter(department__in=posts.values("department_id"))
        if self.instance.pk:
            communes = communes | Commune.objects.filter(pk=self.instance.commune_id)
        self.fields["commune"].queryset = communes.distinct().order_by("name")
        self.fields["commune"].empty_label = "Choisir une commune"
        self.fields["commune"].error_messages["invalid_choice"] = "Choisissez une commune de la liste."
        self.fields["qpv"].queryset = Qpv.objects.filter(department__in=posts.values("department_id")).order_by("name")
        self.fields["qpv"].empty_label = "Hors QPV ou non précisé"
        self.fields["qpv"].error_messages["invalid_choice"] = "Choisissez un QPV de la liste."
        self.fields["date"].error_messages["invalid"] = "Saisissez une date valide (jj/mm/aaaa)."
        if not self.instance.pk:
            self.fields["date"].initial = timezone.localdate()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(FUTURE_DATE_MESSAGE)
        return day

    def clean(self):
        data = super().clean()
        met, accepted = data.get("people_met"), data.get("people_accepted_presentation")
        if met is not None and accepted is not None and accepted > met:
            self.add_error(
                "people_accepted_presentation",
                "Ce nombre ne peut dépasser celui des personnes rencontrées.",
            )
        commune, qpv = data.get("commune"), data.get("qpv")
        if commune and qpv and not qpv.communes.filter(pk=commune.pk).exists():
            self.add_error("qpv", f"Ce QPV ne se trouve pas à {commune.name}.")
        self.check_post_on_date(data)
        return data


# ---------------------------------------------------------------- collective actions


class CollectiveActionForm(
    VersionedModelFormMixin, SubmissionKeyFormMixin, MediatorPostMixin, DsfrBaseForm, forms.ModelForm
):
    participants = count_field("Nombre de participants")

    class Meta:
        model = CollectiveAction
        fields = ["post", "date", "title", "role", "audience", "themes", "publics", "participants", "place", "notes"]
        widgets = {
            "date": DateInput(),
            "role": forms.RadioSelect,
            "audience": forms.RadioSelect,
            "themes": forms.CheckboxSelectMultiple,
            "publics": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_post_field(user)
        keep_themes = list(self.instance.themes.all()) if self.instance.pk else []
        keep_publics = list(self.instance.publics.all()) if self.instance.pk else []
        self.fields["themes"].queryset = vocabulary_items(Vocabulary.PREVENTION_THEME, keep_themes)
        self.fields["themes"].error_messages.update(
            {"required": "Cochez au moins un thème.", "invalid_choice": "Cochez un thème de la liste."}
        )
        self.fields["publics"].queryset = vocabulary_items(Vocabulary.PUBLIC, keep_publics)
        self.fields["publics"].required = False
        self.fields["publics"].widget.inline = True
        self.fields["publics"].error_messages["invalid_choice"] = "Cochez un public de la liste."
        self.fields["date"].error_messages["invalid"] = "Saisissez une date valide (jj/mm/aaaa)."
        self.fields["role"].choices = ActionRole.choices
        self.fields["audience"].choices = ActionAudience.choices
        for name in ("role", "audience"):
            self.fields[name].error_messages.update(
                {"required": "Choisissez une réponse.", "invalid_choice": "Choisissez une réponse de la liste."}
            )
        if not self.instance.pk:
            self.fields["date"].initial = timezone.localdate()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(FUTURE_DATE_MESSAGE)
        return day

    def clean(self):
        data = super().clean()
        self.check_post_on_date(data)
        return data


class ActionPartnerForm(DsfrBaseForm, forms.ModelForm):
    partner = PartnerChoiceField(label="Partenaire du répertoire", queryset=Partner.objects.none(), required=False)

    class Meta:
        model = ActionPartner
        fields = ["partner", "partner_type"]

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["partner"].empty_label = "Aucun : préciser seulement le type"
        self.fields["partner"].error_messages["invalid_choice"] = "Choisissez un partenaire du répertoire."
        self.fields["partner_type"].required = False
        self.fields["partner_type"].choices = [("", "Choisir un type")] + list(PartnerType.choices)
        self.fields["partner_type"].help_text = "Repris du partenaire s'il est choisi dans le répertoire."

    def clean(self):
        data = super().clean()
        partner = data.get("partner")
        if partner is not None:
            data["partner_type"] = partner.partner_type
            self.instance.partner_type = partner.partner_type
        elif not data.get("partner_type") and not data.get("DELETE") and "partner_type" not in self.errors:
            self.add_error("partner_type", PARTNER_OR_TYPE_MESSAGE)
        return data


class BaseActionPartnerFormSet(BaseInlineFormSet):
    role = None  # set by the view once the action form is valid

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Retirer ce partenaire de l'action"

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data and not data.get("DELETE") and (data.get("partner") or data.get("partner_type")):
                kept.append(data)
        partners = [data["partner"].pk for data in kept if data.get("partner")]
        if len(partners) != len(set(partners)):
            raise forms.ValidationError("Le même partenaire figure deux fois.")
        if self.role in (ActionRole.CO_ANIMATED, ActionRole.CO_CONSTRUCTED) and not kept:
            raise forms.ValidationError("Une action co-animée ou co-construite a au moins un partenaire.")


ActionPartnerFormSet = inlineformset_factory(
    CollectiveAction,
    ActionPartner,
    form=ActionPartnerForm,
    formset=BaseActionPartnerFormSet,
    fields=["partner", "partner_type"],
    extra=3,
    max_num=10,
    validate_max=True,
    can_delete=True,
)
