"""When two records probably describe one person, beyond exact spelling: accents, hyphens, case,
swapped first and last names, one-letter typos, French phonetic variants (Mohamed/Mohammed,
Lefèvre/Lefebvre, Dupont/Dupond), the same birth date or the same phone.

Two steps. The database picks a few candidates through stored keys (`name_sound`: a coarse
phonetic key of a name, `phone_key`: the phone's last digits, with the birth date and the start
of the name), then `probable_reason` decides in Python on that bounded set. Pure functions: the
queries are in `accompaniments.beneficiaries`."""

import re
from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from .models import search_key

# A one-letter typo (a letter missing, added, changed or two letters swapped) counts only from
# this length on: "Léa" and "Lou" are two names, "Martin" and "Matrin" one.
TYPO_MIN_LENGTH = 4
MAX_TYPOS = 1
# The shared beginning of a name that brings a record in as a candidate (typos are rarely there).
PREFIX_LENGTH = 3
# How alike two full names must be (rapidfuzz token set ratio, 0–100) to count as close when the
# birth date or the phone is the same.
CLOSE_NAME_RATIO = 85
PHONE_DIGITS = 9

SAME_NAME = "Nom et prénom proches"
SWAPPED_NAME = "Nom et prénom inversés"
SAME_BIRTH_DATE = "Même date de naissance, nom proche"
SAME_PHONE = "Même téléphone, prénom proche"

# French spelling rules applied, in this order, before comparing names by their sound.
FRENCH_SOUNDS = [
    (r"ph", "f"),
    (r"qu", "k"),
    (r"ck", "k"),
    (r"bv", "v"),
    (r"eau", "o"),
    (r"au", "o"),
    (r"[ae]in", "in"),
    (r"y", "i"),
    (r"(?<![cs])h", ""),
    (r"(.)\1+", r"\1"),
]
SILENT_FINAL_LETTERS = "dtsxe"
SHORTEST_STEM = 3


def spelled(name):
    """The name as compared: lower case, no accents, no spaces, hyphens or apostrophes."""
    return search_key(name).replace(" ", "")


def french_sound(name):
    """How a French name sounds, written plainly: "Lefebvre" and "Lefèvre" give "lefevr",
    "Mohammed" and "Mohamed" "moamed", "Dupont" and "Dupond" "dupon"."""
    text = spelled(name)
    for pattern, replacement in FRENCH_SOUNDS:
        text = re.sub(pattern, replacement, text)
    if len(text) > SHORTEST_STEM and text.endswith("e"):
        text = text[:-1]
    while len(text) > SHORTEST_STEM and text[-1] in SILENT_FINAL_LETTERS:
        text = text[:-1]
    return text


def name_sound(name):
    """The stored key that brings records in as candidates: the metaphone of the French sound,
    coarse on purpose (the decision is `similar_names`)."""
    sound = french_sound(name)
    return jellyfish.metaphone(sound)[:20] if sound else ""


def phone_key(phone):
    """The last digits of a phone number: "06 12 34 56 78" and "+33 6 12 34 56 78" are one."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else ""


def similar_names(a, b):
    """One name written two ways: the same letters, the same French sound, or one typo."""
    a, b = spelled(a), spelled(b)
    if not a or not b:
        return False
    if a == b or french_sound(a) == french_sound(b):
        return True
    return min(len(a), len(b)) >= TYPO_MIN_LENGTH and DamerauLevenshtein.distance(a, b) <= MAX_TYPOS


@dataclass(frozen=True)
class Identity:
    """What is compared of a person (a stored record or a form being filled)."""

    last_name: str
    first_name: str
    birth_date: object = None
    birth_year: int | None = None
    phone: str = ""

    @classmethod
    def of(cls, beneficiary):
        return cls(
            last_name=beneficiary.last_name,
            first_name=beneficiary.first_name,
            birth_date=beneficiary.birth_date,
            birth_year=beneficiary.birth_year or (beneficiary.birth_date.year if beneficiary.birth_date else None),
            phone=beneficiary.phone,
        )


def _births_differ(a, b):
    if a.birth_date and b.birth_date:
        return a.birth_date != b.birth_date
    return bool(a.birth_year and b.birth_year and a.birth_year != b.birth_year)


def _close_names(a, b):
    parts_a, parts_b = (a.last_name, a.first_name), (b.last_name, b.first_name)
    if any(similar_names(x, y) for x in parts_a for y in parts_b):
        return True
    ratio = fuzz.token_set_ratio(search_key(*parts_a), search_key(*parts_b))
    return ratio >= CLOSE_NAME_RATIO


def probable_reason(a, b):
    """Why the identities `a` and `b` are probably one person (a French label), or None."""
    if not _births_differ(a, b):
        if similar_names(a.last_name, b.last_name) and similar_names(a.first_name, b.first_name):
            return SAME_NAME
        if similar_names(a.last_name, b.first_name) and similar_names(a.first_name, b.last_name):
            return SWAPPED_NAME
    if a.birth_date and a.birth_date == b.birth_date and _close_names(a, b):
        return SAME_BIRTH_DATE
    key = phone_key(a.phone)
    if (
        key
        and key == phone_key(b.phone)
        and (similar_names(a.first_name, b.first_name) or similar_names(a.first_name, b.last_name))
    ):
        return SAME_PHONE
    return None


def blocking_keys(identity):
    """The keys under which a record is looked for: two records that may be one person share one."""
    keys = set()
    for name in (identity.last_name, identity.first_name):
        if sound := name_sound(name):
            keys.add(("sound", sound))
        if prefix := spelled(name)[:PREFIX_LENGTH]:
            keys.add(("prefix", prefix))
    if identity.birth_date:
        keys.add(("birth_date", identity.birth_date))
    if key := phone_key(identity.phone):
        keys.add(("phone", key))
    return keys
