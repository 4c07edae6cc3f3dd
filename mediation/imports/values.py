"""Reading one cell: dates, numbers, yes/no, codes and the labels of closed lists, as people type
them. Every reader returns a Python value or raises CellError with a French message; the
import-export widgets (resources.py) and the bulk sheets import (sheets.py) share them."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from mediation.text import validate_visible_text

from .formats import normalise

FORMULA_QUOTE_STARTS = ("=", "+", "-", "@", "\t", "\r")
YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1", "x"})
NO = frozenset({"non", "n", "no", "faux", "false", "0"})
DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("day", "month", "year")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"), ("year", "month", "day")),
)
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
DEPARTMENT_CODE = re.compile(r"^(\d{2,3}|2[AB])$")
LISTED_VALUES = 15
SAINTS = {"st": "saint", "ste": "sainte"}


class CellError(ValueError):
    """A cell that cannot be read; str(error) is the French reason."""


def unquote(value):
    """A cell our exports neutralised ("'=x" so that a spreadsheet shows =x without running it)
    reads back as written."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:2] in FORMULA_QUOTE_STARTS:
        return value[1:]
    return value


def is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def text(value, *, required=False, max_length=None, label="Cette valeur"):
    if is_empty(value):
        if required:
            raise CellError("Valeur obligatoire.")
        return ""
    if isinstance(value, datetime.date):
        value = value.strftime("%d/%m/%Y")
    result = unquote(str(value).strip())
    if max_length and len(result) > max_length:
        raise CellError(f"{label} dépasse {max_length} caractères.")
    return result


def name(value, *, required=False, max_length=None, label="Cette valeur"):
    """A name (of a person, a partner, a structure): a text of visible characters only, as the
    forms' NameField (mediation.text): a bidi control or a zero-width character is refused."""
    result = text(value, required=required, max_length=max_length, label=label)
    try:
        validate_visible_text(result)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None
    return result


def integer(value, *, required=False, minimum=None, maximum=None):
    if is_empty(value):
        if required:
            raise CellError("Valeur obligatoire.")
        return None
    if isinstance(value, bool) or isinstance(value, datetime.date):
        raise CellError(f"« {value} » n'est pas un nombre entier.")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"« {value} » n'est pas un nombre entier.")
        value = int(value)
    if isinstance(value, str):
        cleaned = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if re.fullmatch(r"\d+([.,]0+)?", cleaned) is None:
            raise CellError(f"« {value} » n'est pas un nombre entier.")
        value = int(re.split(r"[.,]", cleaned)[0])
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise CellError(f"{value} n'est pas entre {minimum} et {maximum}.")
    return value


def date(value, *, required=False):
    """A date written 15/03/2024, 15-03-2024, 15.03.2024 or 2024-03-15, or a date cell."""
    if is_empty(value):
        if required:
            raise CellError("Date obligatoire.")
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip()
    for pattern, order in DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return datetime.date(parts["year"], parts["month"], parts["day"])
            except ValueError as error:
                raise CellError(f"« {raw} » n'est pas une date qui existe.") from error
    raise CellError(f"« {raw} » n'est pas une date au format JJ/MM/AAAA.")


def yes_no(value, *, required=False):
    if is_empty(value):
        if required:
            raise CellError("Valeur obligatoire : oui ou non.")
        return None
    key = normalise(value)
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(f"« {value} » : écrivez oui ou non.")


def optional(reader):
    """`reader` for an optional text field of a model: an empty cell reads as "" (not None)."""

    def read(value, **options):
        result = reader(value, **options)
        return "" if result is None else result

    return read


def email(value, *, required=False):
    if is_empty(value):
        if required:
            raise CellError("Adresse e-mail obligatoire.")
        return ""
    address = str(value).strip().lower()
    try:
        validate_email(address)
    except ValidationError as error:
        raise CellError(f"« {value} » n'est pas une adresse e-mail valide.") from error
    return address


def insee_code(value, *, required=True):
    """A commune's INSEE code; a spreadsheet may have turned 02691 into the number 2691."""
    if is_empty(value):
        if required:
            raise CellError("Code INSEE obligatoire.")
        return ""
    raw = str(value).strip().upper()
    if raw.isdigit() and len(raw) < 5:
        raw = raw.zfill(5)
    if not INSEE_CODE.match(raw):
        raise CellError(f"« {value} » n'est pas un code INSEE de commune (5 caractères, par exemple 59350).")
    return raw


def looks_like_insee_code(value):
    """True for a cell that is written as an INSEE code (2691 included), not as a name."""
    raw = str(value).strip().upper()
    return bool(INSEE_CODE.match(raw.zfill(5) if raw.isdigit() else raw))


def commune_name_key(value):
    """How commune names are compared: case, accents, hyphens, apostrophes and spaces ignored,
    and « St »/« Ste » as « Saint »/« Sainte » (« ST-AMAND-LES-EAUX » is Saint-Amand-les-Eaux)."""
    words = normalise(value).split()
    return " ".join(SAINTS.get(word, word) for word in words)


def department_code(value, *, required=True):
    if is_empty(value):
        if required:
            raise CellError("Code du département obligatoire.")
        return ""
    raw = str(value).strip().upper()
    if raw.isdigit() and len(raw) == 1:
        raw = raw.zfill(2)
    if not DEPARTMENT_CODE.match(raw):
        raise CellError(f"« {value} » n'est pas un code de département (par exemple 59 ou 2A).")
    return raw


class Choices:
    """The values of a closed list, found by their code or their label whatever the case,
    accents, punctuation and surrounding spaces, or by one of a few usual aliases."""

    def __init__(self, pairs, *, aliases=None, name="valeur"):
        self.name = name
        self.labels = []
        self.by_key = {}
        for value, code, label in pairs:
            self.labels.append(str(label))
            for key in (code, label):
                self.by_key.setdefault(normalise(key), value)
        for alias, value in (aliases or {}).items():
            self.by_key.setdefault(normalise(alias), value)
        self.seen = {}  # raw cell -> value: a big file repeats the same few spellings

    def __call__(self, raw, *, required=False):
        if is_empty(raw):
            if required:
                raise CellError(f"{self.name.capitalize()} obligatoire.")
            return None
        if raw in self.seen:
            return self.seen[raw]
        value = self.by_key.get(normalise(unquote(raw)))
        if value is not None and isinstance(raw, str | int):
            self.seen[raw] = value
        if value is None:
            accepted = " · ".join(self.labels[:LISTED_VALUES])
            more = " …" if len(self.labels) > LISTED_VALUES else ""
            raise CellError(f"« {raw} » n'est pas dans la liste ({self.name}). Valeurs acceptées : {accepted}{more}.")
        return value

    def many(self, raw):
        """A list written "a ; b ; c" (or one value per line)."""
        if is_empty(raw):
            return []
        found = []
        for part in re.split(r"[;\n|]", str(raw)):
            if part.strip():
                value = self(part, required=True)
                if value not in found:
                    found.append(value)
        return found


def enum_choices(enum, *, aliases=None, name="valeur"):
    return Choices(((member.value, member.value, member.label) for member in enum), aliases=aliases, name=name)


def vocabulary_choices(vocabulary, *, aliases=None, name="valeur"):
    """The items of a vocabulary, retired ones included: old records name them.
    `aliases` maps other spellings to item codes."""
    from mediation.models import VocabularyItem

    items = list(VocabularyItem.objects.of(vocabulary).order_by("-is_active", "order", "label"))
    by_code = {item.code: item for item in items}
    return Choices(
        ((item, item.code, item.label) for item in items),
        aliases={alias: by_code[code] for alias, code in (aliases or {}).items() if code in by_code},
        name=name,
    )
