"""Forms of the accompaniment sheet pages: a sheet with its requests, a contact, closing a
request, and the filters of the daily lists. Every rule a user can break is checked here,
with a French message next to the field, before anything reaches the database."""

from django import forms
from django.db.models import Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.http import QueryDict
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from mediation import perms
from mediation.enums import Role, Vocabulary
from mediation.idempotency import SubmissionKeyFormMixin
from mediation.models import Post, PostHolding, Qpv, User, VocabularyItem
from mediation.versioning import VersionedModelFormMixin

from .enums import RequestDomain, RequestStatus
from .models import Contact, Sheet, SheetRequest

REQUESTS_PREFIX = "requests"
MAX_REQUESTS_PER_SHEET = 20
MAX_CONTACT_MINUTES = 24 * 60
MAX_AGE = 130
REQUEST_VOCABULARY = {RequestDomain.RIGHTS: Vocabulary.RIGHTS_REQUEST, RequestDomain.CARE: Vocabulary.CARE_REQUEST}
DOMAIN_OF_VOCABULARY = {vocabulary: domain for domain, vocabulary in REQUEST_VOCABULARY.items()}
CLOSED_STATUSES = (RequestStatus.RESOLVED, RequestStatus.UNRESOLVED)
NO_REQUEST = (
    "Une fiche d'accompagnement porte au moins une demande : choisissez le type de la demande "
    "(accès aux droits ou aux soins) avant d'enregistrer."
)
LAST_REQUEST = (
    "Une fiche d'accompagnement porte au moins une demande : gardez-en une, ou ajoutez la nouvelle "
    "avant de retirer la dernière."
)

FUTURE_DATE = "La date ne peut pas être dans le futur."


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def reject_future(day):
    if day and day > timezone.localdate():
        raise forms.ValidationError(FUTURE_DATE, code="future")
    return day


def vocabulary_items(vocabulary, *, keep=()):
    """The values offered for a list: the active ones, plus retired ones a record already uses."""
    kept = [pk for pk in keep if pk]
    return VocabularyItem.objects.filter(Q(is_active=True) | Q(pk__in=kept), vocabulary=vocabulary)


def _short(day):
    return day.strftime("%d/%m/%Y")


# ---------------------------------------------------------------- the sheet


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids beyond the database's integer range before they reach a `pk__in` lookup
    (Django guards single-value lookups against overflow, not `in`)."""

    MAX_ID = 2**63 - 1

    def _check_values(self, value):
        for pk in value:
            try:
                out_of_range = abs(int(str(pk).strip())) > self.MAX_ID
            except ValueError:
                continue
            if out_of_range:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


def structure_mediators(structure_id, *, keep=None):
    """Who a structure manager may write a sheet for: the active accounts with the mediator role
    in the structure, plus the mediator a stored sheet already names (she may have left since)."""
    mediators = Q(is_active=True, membership__role=Role.MEDIATOR, membership__structure_id=structure_id)
    if keep:
        mediators |= Q(pk=keep)
    return User.objects.filter(mediators).order_by("last_name", "first_name", "pk")


class PostChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, post):
        return f"{post.code} — {post.get_post_type_display()}, {post.department.name}"


class MediatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.email


class SheetForm(VersionedModelFormMixin, SubmissionKeyFormMixin, DsfrBaseForm, forms.ModelForm):
    """The sheet itself. On a new sheet the person's situation is proposed from her record;
    what is saved is a snapshot that later edits of the record leave untouched. A new sheet
    carries the core's double-submit key (mediation.idempotency)."""

    class Meta:
        model = Sheet
        fields = [
            "opened_on",
            "mediator",
            "post",
            "contact_mode",
            "resources",
            "lives_in_qpv",
            "qpv",
            "came_via",
            "barriers",
            "notes",
        ]
        labels = {
            "opened_on": "Date de la fiche",
            "contact_mode": "Mode de contact",
            "resources": "Ressources",
            "lives_in_qpv": "Habite en QPV",
            "came_via": "Comment la personne a connu le·la médiateur·rice",
            "barriers": "Freins rencontrés",
            "notes": "Notes",
        }
        help_texts = {
            "opened_on": "Le jour du premier contact de cet accompagnement.",
            "post": "Le poste tenu ce jour-là : il donne le département de la fiche.",
            "qpv": "Le quartier prioritaire où habite la personne, si elle y habite.",
            "notes": "Pas de détail médical : seulement ce qui aide à suivre la démarche.",
        }
        field_classes = {"barriers": BoundedModelMultipleChoiceField}
        widgets = {
            "opened_on": DateInput,
            "barriers": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, beneficiary, user, requests=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.beneficiary = beneficiary
        self.user = user
        self.requests = requests
        sheet = self.instance
        is_new = sheet.pk is None
        if is_new:
            sheet.beneficiary = beneficiary
        structure_id = beneficiary.structure_id
        today = timezone.localdate()

        # Who and on which post. A mediator writes her own sheets; a manager picks among the structure's.
        self.chooses_mediator = perms.role_of(user) == Role.STRUCTURE_MANAGER
        if self.chooses_mediator:
            self.fields["mediator"] = MediatorChoiceField(
                label="Médiateur·rice",
                queryset=structure_mediators(structure_id, keep=sheet.mediator_id),
                empty_label="Choisir un·e médiateur·rice",
                error_messages={
                    "invalid_choice": "Choisissez un·e médiateur·rice de la structure.",
                    "required": "Choisissez le·la médiateur·rice qui a reçu la personne.",
                },
            )
            self.fields["post"].queryset = Post.objects.filter(Q(structure_id=structure_id) | Q(pk=sheet.post_id))
        else:
            del self.fields["mediator"]
            if is_new:
                sheet.mediator = user
            self.fields["post"].queryset = Post.objects.filter(
                Q(holdings__mediator=sheet.mediator, structure_id=structure_id) | Q(pk=sheet.post_id)
            ).distinct()
        post_field = PostChoiceField(
            label="Poste",
            queryset=self.fields["post"].queryset.select_related("department").order_by("code"),
            help_text=self.fields["post"].help_text,
            empty_label="Choisir un poste",
        )
        self.fields["post"] = post_field

        # Closed lists: active values, plus the retired ones this sheet already uses.
        for name, vocabulary in (
            ("contact_mode", Vocabulary.CONTACT_MODE),
            ("resources", Vocabulary.RESOURCES),
            ("came_via", Vocabulary.CAME_VIA),
        ):
            self.fields[name].queryset = vocabulary_items(vocabulary, keep=[getattr(sheet, f"{name}_id")])
            self.fields[name].empty_label = "Non renseigné"
        self.fields["contact_mode"].required = True
        self.fields["contact_mode"].empty_label = "Choisir un mode de contact"
        kept_barriers = [b.pk for b in sheet.barriers.all()] if not is_new else []
        self.fields["barriers"].queryset = vocabulary_items(Vocabulary.CARE_BARRIER, keep=kept_barriers)
        self.fields["barriers"].widget.inline = True
        self.fields["lives_in_qpv"].widget = forms.RadioSelect(
            choices=[("True", "Oui"), ("False", "Non"), ("", "Non renseigné")]
        )
        self.fields["lives_in_qpv"].widget.inline = True
        department_ids = Post.objects.filter(structure_id=structure_id).values("department_id")
        self.fields["qpv"].queryset = Qpv.objects.filter(
            Q(department_id__in=department_ids) | Q(pk=sheet.qpv_id) | Q(pk=beneficiary.qpv_id)
        )
        self.fields["qpv"].empty_label = "Aucun ou inconnu"
        self.fields["opened_on"].widget.attrs.update({"max": today.isoformat(), "autofocus": True})
        # DSFR classes for the fields replaced above.
        for name in ("mediator", "post"):
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("class", "fr-select")
                self.fields[name].widget.group_class = "fr-select-group"
        # DsfrBaseForm cached bound fields of the fields it saw: those replaced above (the
        # mediator, the post) must be read and validated through their new field, not the
        # model's default (every account of the platform).
        self._bound_fields_cache.clear()

        if is_new:
            self._propose_from_beneficiary(today)

    def _propose_from_beneficiary(self, today):
        beneficiary = self.beneficiary
        self.initial.setdefault("opened_on", today)
        self.initial.setdefault("resources", beneficiary.resources_id)
        self.initial.setdefault("lives_in_qpv", beneficiary.lives_in_qpv)
        self.initial.setdefault("qpv", beneficiary.qpv_id)
        self.initial.setdefault("came_via", beneficiary.came_via_id)
        mediator = self.instance.mediator if not self.chooses_mediator else None
        if self.chooses_mediator and self.fields["mediator"].queryset.filter(pk=beneficiary.referent_id).exists():
            mediator = beneficiary.referent
            self.initial.setdefault("mediator", mediator.pk)
        if last_mode := self._last_contact_mode(mediator):
            self.initial.setdefault("contact_mode", last_mode)
        if mediator is not None:
            held = list(
                PostHolding.objects.active_on(today)
                .filter(mediator=mediator, post__structure_id=beneficiary.structure_id)
                .values_list("post_id", flat=True)
            )
            if len(held) == 1:
                self.initial.setdefault("post", held[0])

    def _last_contact_mode(self, mediator):
        """The contact mode of the mediator's latest sheet (her permanence, most days), else of the
        person's latest sheet; only if that mode is still offered."""
        sheets = Sheet.objects.filter(contact_mode__is_active=True).order_by("-opened_on", "-pk")
        for scope in ({"mediator": mediator} if mediator else None, {"beneficiary": self.beneficiary}):
            if scope and (mode := sheets.filter(**scope).values_list("contact_mode_id", flat=True).first()):
                return mode
        return None

    def first_empty_required(self):
        """The name of the first required field of the sheet shown empty, or None."""
        for name in ("opened_on", "mediator", "post", "contact_mode"):
            if name in self.fields and self.fields[name].required and not self[name].value():
                return name
        return None

    def clean_opened_on(self):
        day = reject_future(self.cleaned_data["opened_on"])
        age = self.beneficiary.age_on(day)
        if age is not None and age < 0:
            raise forms.ValidationError("La fiche ne peut pas précéder la naissance de la personne.")
        if age is not None and age > MAX_AGE:
            raise forms.ValidationError("Cette date est trop ancienne au regard de l'âge de la personne.")
        return day

    def clean(self):
        data = super().clean()
        day, post = data.get("opened_on"), data.get("post")
        mediator = data.get("mediator") if self.chooses_mediator else self.instance.mediator
        if day and post and mediator:
            holds = PostHolding.objects.active_on(day).filter(post=post, mediator=mediator).exists()
            if not holds and self.chooses_mediator:
                self.add_error("post", f"{mediator} ne tenait pas ce poste le {_short(day)}.")
            elif not holds and mediator == self.user:
                self.add_error(
                    "post", f"Vous ne teniez pas ce poste le {_short(day)} : choisissez celui tenu ce jour-là."
                )
            elif not holds:
                self.add_error("post", f"{mediator}, qui suit cette fiche, ne tenait pas ce poste le {_short(day)}.")
        if data.get("qpv") is not None:
            if data.get("lives_in_qpv") is False:
                self.add_error("qpv", "Indiquez un QPV seulement si la personne habite en QPV.")
            else:
                data["lives_in_qpv"] = True
        return data

    def differences_with_stored(self):
        differences = super().differences_with_stored()
        if self.requests is not None:
            differences += self.requests.differences_with_stored()
        return differences

    def stale_error(self):
        """The message of a save refused because the sheet changed meanwhile (see StaleEdit)."""
        try:
            self._raise_stale()
        except forms.ValidationError as error:
            return error
        return None

    def has_stale_error(self):
        return any(error.code == "stale" for error in self.errors.as_data().get("__all__", []))


# ---------------------------------------------------------------- its requests


def proposed_request(beneficiary):
    """The first row of a new sheet, proposed from the person's latest request: the same type
    (people come back for the same matter), if it is still offered. None without one."""
    kind = (
        SheetRequest.objects.filter(sheet__beneficiary=beneficiary, kind__is_active=True)
        .order_by("-opened_on", "-pk")
        .values_list("kind_id", flat=True)
        .first()
    )
    return {"kind": kind} if kind else None


def request_kind_choices(*, keep=()):
    """The request types grouped by domain, as <optgroup>s, in one query."""
    items = VocabularyItem.objects.filter(
        Q(is_active=True) | Q(pk__in=[pk for pk in keep if pk]),
        vocabulary__in=REQUEST_VOCABULARY.values(),
    )
    groups = {vocabulary: [] for vocabulary in REQUEST_VOCABULARY.values()}
    for item in items:
        groups[item.vocabulary].append((item.pk, str(item)))
    return [("", "Choisir un type de demande")] + [
        (RequestDomain(domain).label, groups[vocabulary]) for domain, vocabulary in REQUEST_VOCABULARY.items()
    ]


class RequestForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = SheetRequest
        # No « Domaine » field: the type says it (types are grouped by domain in the list).
        fields = ["kind", "status", "opened_on", "closed_on", "follow_up_on", "note"]
        labels = {
            "kind": "Type de demande",
            "status": "État",
            "opened_on": "Ouverte le",
            "closed_on": "Close le",
            "follow_up_on": "À relancer le",
            "note": "Note",
        }
        help_texts = {
            "opened_on": "Vide : la date de la fiche.",
            "closed_on": "Pour une demande résolue ou non résolue.",
            "follow_up_on": "Pour une demande en cours.",
        }
        widgets = {"opened_on": DateInput, "closed_on": DateInput, "follow_up_on": DateInput}

    def __init__(self, *args, kind_choices=None, sheet_opened_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet_opened_on = sheet_opened_on
        kind = self.fields["kind"]
        kind.queryset = VocabularyItem.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.kind_id), vocabulary__in=REQUEST_VOCABULARY.values()
        )
        kind.choices = kind_choices if kind_choices is not None else request_kind_choices(keep=[self.instance.kind_id])
        kind.help_text = "Les types sont rangés par domaine : accès aux droits, accès aux soins."
        self.fields["opened_on"].required = False
        today = timezone.localdate().isoformat()
        self.fields["opened_on"].widget.attrs["max"] = today
        self.fields["closed_on"].widget.attrs["max"] = today

    def clean_opened_on(self):
        return reject_future(self.cleaned_data.get("opened_on"))

    def clean_closed_on(self):
        return reject_future(self.cleaned_data.get("closed_on"))

    def has_changed(self):
        """A new row counts as typed as soon as it names a type, also when that type is the one
        proposed from the person's last request (a row left as proposed is a request to save)."""
        if self.instance.pk is None and self["kind"].data:
            return True
        return super().has_changed()

    def clean(self):
        data = super().clean()
        if kind := data.get("kind"):
            self.instance.domain = DOMAIN_OF_VOCABULARY[kind.vocabulary]
        if "opened_on" in self.errors:
            return data
        opened = data.get("opened_on") or self.sheet_opened_on
        if opened is None:
            self.add_error("opened_on", "Indiquez la date d'ouverture de la demande ou celle de la fiche.")
            return data
        data["opened_on"] = opened
        if self.sheet_opened_on and opened < self.sheet_opened_on:
            self.add_error(
                "opened_on", f"Une demande ne peut pas être ouverte avant la fiche (le {_short(self.sheet_opened_on)})."
            )
        status, closed_on, follow_up_on = data.get("status"), data.get("closed_on"), data.get("follow_up_on")
        if status in CLOSED_STATUSES:
            data["follow_up_on"] = None
            if closed_on is None and "closed_on" not in self.errors:
                self.add_error("closed_on", "Indiquez la date de clôture d'une demande résolue ou non résolue.")
        elif closed_on is not None:
            self.add_error(
                "closed_on",
                "Une demande en cours n'a pas de date de clôture : choisissez « Résolue » ou « Non résolue », "
                "ou videz la date.",
            )
        if closed_on and closed_on < opened and "closed_on" not in self.errors:
            self.add_error(
                "closed_on", f"La clôture ne peut pas précéder l'ouverture de la demande ({_short(opened)})."
            )
        if status == RequestStatus.IN_PROGRESS and follow_up_on and follow_up_on < opened:
            self.add_error(
                "follow_up_on", f"La relance ne peut pas précéder l'ouverture de la demande ({_short(opened)})."
            )
        # An imported request closed on an unknown day keeps « date inconnue » until its state or
        # dates are changed: a date typed here is a known one.
        if self.instance.closed_on_unknown and (
            data.get("status") != self.instance.status
            or data.get("opened_on") != self.instance.opened_on
            or data.get("closed_on") != self.instance.closed_on
        ):
            self.instance.closed_on_unknown = False
        return data

    def typed(self, name):
        """What was typed in a field, cleaned, or None: for comparisons outside validation."""
        try:
            return self.fields[name].clean(self[name].data)
        except forms.ValidationError:
            return None


class BaseRequestFormSet(BaseInlineFormSet):
    """The requests of a sheet. The number of rows is capped whatever the posted count says."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", REQUESTS_PREFIX)
        kwargs.setdefault("queryset", SheetRequest.objects.select_related("kind"))
        super().__init__(*args, **kwargs)
        self.sheet_opened_on = None

    @property
    def kind_choices(self):
        if not hasattr(self, "_kind_choices"):
            self._kind_choices = request_kind_choices(keep=[r.kind_id for r in self.get_queryset()])
        return self._kind_choices

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "kind_choices": self.kind_choices}

    def set_sheet_opened_on(self, day):
        """Requests are checked against the sheet's date, known once the sheet form is cleaned."""
        self.sheet_opened_on = day
        for form in self.forms:
            form.sheet_opened_on = day

    def extra_row(self, index):
        """One more empty row, as the formset itself would build it at this index."""
        form = self.form(
            **self.get_form_kwargs(None),
            auto_id=self.auto_id,
            prefix=self.add_prefix(index),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.form_renderer,
        )
        self.add_fields(form, None)
        form.fields["kind"].widget.attrs["autofocus"] = True
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Retirer cette demande"

    def clean(self):
        """A sheet carries at least one request. A new sheet without any is refused; so is an edit
        that removes the last one. A sheet imported from a past year's file without a request
        (the former tool allowed it) can still be edited as it is."""
        super().clean()
        kept = [
            form
            for form in self.forms
            if not self._should_delete_form(form) and (form.instance.pk is not None or form.has_changed())
        ]
        if kept:
            return
        if self.instance.pk is None:
            raise forms.ValidationError(NO_REQUEST, code="no_request")
        if self.initial_form_count():
            raise forms.ValidationError(LAST_REQUEST, code="no_request")

    def differences_with_stored(self):
        """(label, stored value) for each request saved meanwhile that differs from what was typed."""
        differences = []
        typed_by_pk = {form.instance.pk: form for form in self.forms if form.instance.pk}
        stored = list(SheetRequest.objects.filter(sheet=self.instance).select_related("kind"))
        for request in stored:
            label = f"demande « {request.kind} »"
            form = typed_by_pk.get(request.pk)
            if form is None:
                differences.append((label, f"ajoutée entre-temps ({describe_request(request)})"))
                continue
            typed = (form.typed("status"), form.typed("closed_on"), form.typed("follow_up_on"), form.typed("kind"))
            if typed != (request.status, request.closed_on, request.follow_up_on, request.kind):
                differences.append((label, describe_request(request)))
        posted_pks = {form["id"].data for form in self.forms if not form.instance.pk and form["id"].data}
        differences += [("une demande", "retirée entre-temps") for _ in posted_pks]
        return differences

    def rebased_data(self, data):
        """The posted rows laid out again over the requests stored now, after a stale save: rows
        of requests still there keep what was typed, requests added meanwhile appear with their
        stored values, rows of requests removed meanwhile become new rows. Nothing typed is lost."""
        stored = {r.pk: r for r in SheetRequest.objects.filter(sheet=self.instance).select_related("kind")}
        kept, new = [], []
        for form in self.forms:
            fields = {name: data.getlist(form.add_prefix(name)) for name in form.fields}
            row_pk = form.instance.pk if form.instance.pk in stored else None
            if row_pk is None:
                fields.pop("id", None)
                new.append(fields)
            else:
                kept.append(fields)
                stored.pop(row_pk)
        for request in stored.values():
            kept.append(
                {
                    "id": [str(request.pk)],
                    "kind": [str(request.kind_id)],
                    "status": [request.status],
                    "opened_on": [request.opened_on.isoformat()],
                    "closed_on": [request.closed_on.isoformat() if request.closed_on else ""],
                    "follow_up_on": [request.follow_up_on.isoformat() if request.follow_up_on else ""],
                    "note": [request.note],
                }
            )
        rows = (kept + new)[:MAX_REQUESTS_PER_SHEET]
        rebased = QueryDict(mutable=True)
        for key in data:
            if not key.startswith(f"{self.prefix}-"):
                rebased.setlist(key, data.getlist(key))
        for index, fields in enumerate(rows):
            for name, values in fields.items():
                rebased.setlist(f"{self.prefix}-{index}-{name}", values)
        rebased[f"{self.prefix}-TOTAL_FORMS"] = str(len(rows))
        rebased[f"{self.prefix}-INITIAL_FORMS"] = str(min(len(kept), len(rows)))
        rebased[f"{self.prefix}-MIN_NUM_FORMS"] = "0"
        rebased[f"{self.prefix}-MAX_NUM_FORMS"] = str(MAX_REQUESTS_PER_SHEET)
        return rebased


def describe_request(request):
    text = request.get_status_display()
    if request.closed_on:
        text += f", close le {_short(request.closed_on)}"
    if request.follow_up_on:
        text += f", à relancer le {_short(request.follow_up_on)}"
    return text


def request_formset_class(*, extra):
    return inlineformset_factory(
        Sheet,
        SheetRequest,
        form=RequestForm,
        formset=BaseRequestFormSet,
        extra=extra,
        can_delete=True,
        can_delete_extra=True,
        max_num=MAX_REQUESTS_PER_SHEET,
        absolute_max=MAX_REQUESTS_PER_SHEET,
        validate_max=True,
    )


NewSheetRequestFormSet = request_formset_class(extra=1)
SheetRequestFormSet = request_formset_class(extra=0)


# ---------------------------------------------------------------- on the sheet page


class ContactForm(SubmissionKeyFormMixin, DsfrBaseForm, forms.ModelForm):
    """A contact added on the sheet's page, under the core's double-submit key."""

    prefix = "contact"

    class Meta:
        model = Contact
        fields = ["date", "mode", "minutes", "note"]
        labels = {"date": "Date", "mode": "Mode", "minutes": "Durée (minutes)", "note": "Note"}
        widgets = {"date": DateInput}

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.instance.sheet = sheet
        self.fields["date"].initial = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["mode"].queryset = vocabulary_items(Vocabulary.CONTACT_MODE)
        self.fields["mode"].empty_label = "Non renseigné"
        self.fields["minutes"].validators.append(_max_minutes)
        self.fields["minutes"].widget.attrs.update({"min": 0, "max": MAX_CONTACT_MINUTES})

    def clean_date(self):
        day = reject_future(self.cleaned_data["date"])
        if day < self.sheet.opened_on:
            raise forms.ValidationError(
                f"Un contact ne peut pas précéder l'ouverture de la fiche ({_short(self.sheet.opened_on)})."
            )
        return day


def _max_minutes(value):
    if value is not None and not 0 <= value <= MAX_CONTACT_MINUTES:
        raise forms.ValidationError(f"Indiquez une durée entre 0 et {MAX_CONTACT_MINUTES} minutes.")


class CloseRequestForm(DsfrBaseForm):
    status = forms.ChoiceField(
        label="Issue",
        choices=[(s.value, s.label) for s in CLOSED_STATUSES],
        initial=RequestStatus.RESOLVED,
    )
    closed_on = forms.DateField(label="Close le", widget=DateInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, request_to_close, **kwargs):
        kwargs.setdefault("auto_id", f"id_close_{request_to_close.pk}_%s")
        super().__init__(*args, **kwargs)
        self.request_to_close = request_to_close
        self.today = today = timezone.localdate()
        self.fields["closed_on"].initial = today
        self.fields["closed_on"].widget.attrs["max"] = today.isoformat()

    def clean_closed_on(self):
        day = reject_future(self.cleaned_data["closed_on"])
        opened = self.request_to_close.opened_on
        if day < opened:
            raise forms.ValidationError(
                f"La clôture ne peut pas précéder l'ouverture de la demande ({_short(opened)})."
            )
        return day


# ---------------------------------------------------------------- the daily lists


class CaseloadFilterForm(DsfrBaseForm):
    """Filters of « Mes accompagnements », in the query string (they never hold a name)."""

    statut = forms.ChoiceField(
        label="État d'une demande", required=False, choices=[("", "Tous")] + list(RequestStatus.choices)
    )
    domaine = forms.ChoiceField(label="Domaine", required=False, choices=[("", "Tous")] + list(RequestDomain.choices))
    du = forms.DateField(label="Fiches ouvertes du", required=False, widget=DateInput)
    au = forms.DateField(label="au", required=False, widget=DateInput)
    a_relancer = forms.BooleanField(label="Relance due", required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if start and end and end < start:
            self.add_error("au", "La fin de la période précède son début.")
        return data

    def valid_filters(self):
        """The filters that passed validation; a wrong one is reported and left out."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}


class NameSearchForm(DsfrBaseForm):
    """A name is sent in the body of a POST, never in a URL."""

    nom = forms.CharField(label="Nom ou prénom", max_length=150, required=False)
