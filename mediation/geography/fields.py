"""A commune typed in a form: "Lens (62498)", "62498", a former code of a merged commune, or a
name; with a short list of suggestions (a <datalist>), never one of every commune of France.

The page may load htmx: the field then asks the server for the communes matching what is typed
(`suggest`, served by the public referral form's `communes` URL) and replaces its suggestions.
Without JavaScript, typing the name or the INSEE code is enough.
"""

import re

from django import forms
from django.db.models import Q
from django.template import loader
from django.urls import reverse
from django.utils.safestring import mark_safe

from mediation.models import Commune, FormerCommuneCode

SUGGESTIONS = 15  # communes proposed for what is typed
INSEE = re.compile(r"^\s*(\d[0-9AaBb]\d{3})\s*$")
NAME_WITH_INSEE = re.compile(r"\((\d[0-9AaBb]\d{3})\)\s*$")


def label(commune):
    return f"{commune.name} ({commune.insee_code})"


def suggest(text, *, limit=SUGGESTIONS):
    """The communes whose name starts with `text`, or whose INSEE or postal code does (the
    largest first), as labels for a datalist."""
    text = (text or "").strip()[:100]
    if len(text) < 2:
        return []
    if text[:1].isdigit():
        code = text.upper()
        found = Commune.objects.filter(Q(insee_code__startswith=code) | Q(postal_codes__icontains=code))
        if len(code) == 5:
            found = found | Commune.objects.filter(former_codes__code=code)
    else:
        found = Commune.objects.filter(Q(name__istartswith=text) | Q(name__icontains=f"-{text}"))
    found = found.distinct().order_by("-population", "name").only("name", "insee_code")[:limit]
    return [label(commune) for commune in found]


def resolve(text, *, near=None):
    """The current commune `text` names: an INSEE code (with or without its name), a former code
    of a merged commune (mapped to the commune it belongs to now) or a name, which, borne by
    several communes, is looked for among `near` first (a queryset: the region's communes).
    A ValidationError in French otherwise."""
    match = NAME_WITH_INSEE.search(text) or INSEE.match(text)
    if match:
        code = match.group(1).upper()
        commune = Commune.objects.filter(insee_code=code).select_related("department").first()
        if commune is None:
            former = FormerCommuneCode.objects.filter(code=code).select_related("commune__department").first()
            commune = former.commune if former else None
        if commune is None:
            raise forms.ValidationError(
                f"Aucune commune n'a le code INSEE {code} (ni commune actuelle, ni ancienne commune fusionnée) : "
                "vérifiez-le, ou tapez le nom de la commune et choisissez-la dans la liste."
            )
        return commune
    name = text.strip()
    found = list(Commune.objects.filter(name__iexact=name).select_related("department").order_by("insee_code")[:10])
    if len(found) > 1 and near is not None:
        close = set(near.filter(pk__in=[c.pk for c in found]).values_list("pk", flat=True))
        nearby = [c for c in found if c.pk in close]
        found = nearby or found
    if len(found) == 1:
        return found[0]
    if found:
        candidates = " · ".join(f"{label(c)}, {c.department.name}" for c in found)
        raise forms.ValidationError(
            f"Plusieurs communes s'appellent « {name} » : {candidates}. "
            "Choisissez-la dans la liste ou donnez son code INSEE."
        )
    raise forms.ValidationError(
        f"Commune inconnue : « {name} ». Choisissez-la dans la liste proposée (nom et code INSEE), "
        "par exemple « Lens (62498) », ou saisissez son code INSEE."
    )


class CommuneInput(forms.TextInput):
    """A text input with its own <datalist>: the suggestions the form gives, replaced by the
    server's as the person types when the page loads htmx."""

    suggestions_template = "mediation/widgets/commune_suggestions.html"  # in templates/, the project's engine

    def _render(self, template_name, context, renderer=None):
        # The input as Django draws it, then its datalist; the template escapes what it shows.
        suggestions = loader.render_to_string(self.suggestions_template, context)
        return mark_safe(super()._render(template_name, context, renderer) + suggestions)  # noqa: S308

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.suggestions = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or name}-suggestions"
        widget["attrs"].update(
            {
                "list": list_id,
                "hx-get": reverse("public_referral:communes"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
        widget["list_id"] = list_id
        widget["suggestions"] = self.suggestions
        return context


class CommuneField(forms.CharField):
    """A commune typed or picked from the suggestions (see resolve); cleans to a Commune or None."""

    widget = CommuneInput

    def __init__(self, *, near=None, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.near = near

    def set_suggestions(self, communes):
        """Offer these communes (a queryset, a few hundred at most) before anything is typed."""
        self.widget.suggestions = [label(c) for c in communes.only("name", "insee_code").order_by("name")]

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return label(value)
        if isinstance(value, int):
            commune = Commune.objects.filter(pk=value).first()
            return label(commune) if commune else ""
        return value

    def to_python(self, value):
        if isinstance(value, Commune):
            return value
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.max_length:
            raise forms.ValidationError(f"{self.max_length} caractères au plus.")
        return resolve(text, near=self.near)

    def has_changed(self, initial, data):
        return self.prepare_value(initial) != (data or "")

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        return None
