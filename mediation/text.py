"""Free text typed as a name: no invisible characters that change how it reads.

A right-to-left override (U+202E) shows "Jason" for a name stored as "nosaJ", and zero-width or
other format characters make two names that look the same compare different (duplicates, search).
Such characters are refused, not stripped: removing a bidi control changes the order in which the
letters display, so the stored name would silently differ from the one the person saw and typed;
the message asks to retype it instead, which also catches a copy-paste from a document that
carried them.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

INVISIBLE_MESSAGE = (
    "Ce texte contient un caractère invisible ou qui inverse le sens de l'écriture ({codes}) : "
    "effacez le champ et retapez-le au clavier, sans copier-coller."
)
ALLOWED_CONTROLS = frozenset("\t\n\r")
# Cc: controls; Cf: format characters (bidi controls U+202A–U+202E and U+2066–U+2069, marks
# U+200E/U+200F, zero-width U+200B–U+200D, word joiner, soft hyphen, BOM, tags…); Zl, Zp: line and
# paragraph separators, which break lines where no one sees it.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
MAX_CODES_SHOWN = 3


def invisible_characters(text):
    """The characters of `text` a reader cannot see, in order, each once."""
    found = []
    for char in text:
        if char in ALLOWED_CONTROLS or unicodedata.category(char) not in REFUSED_CATEGORIES:
            continue
        if char not in found:
            found.append(char)
    return found


def validate_visible_text(value):
    """Validator: refuse a text holding control, format (bidi, zero-width) or separator characters."""
    found = invisible_characters(str(value))
    if found:
        codes = ", ".join(f"U+{ord(char):04X}" for char in found[:MAX_CODES_SHOWN])
        raise ValidationError(INVISIBLE_MESSAGE.format(codes=codes), code="invisible_character")


class NameField(forms.CharField):
    """A CharField for a name (of a person, a partner, a structure): visible characters only.

    Declare it as the field, or in a ModelForm's `Meta.field_classes` to keep the model's label,
    help text and maximum length."""

    default_validators = [validate_visible_text]
