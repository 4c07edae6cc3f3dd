"""Workflows across accompaniment records."""

from mediation.models import VocabularyItem

from .models import Beneficiary, search_key


def find_duplicates(*, structure, last_name, first_name, birth_year=None, exclude_pk=None):
    """Probable duplicates in the structure: same name (accents, case, hyphens ignored) and,
    when both are known, the same birth year."""
    candidates = Beneficiary.objects.filter(
        structure=structure, name_key=search_key(last_name, first_name), anonymised_at__isnull=True
    )
    if birth_year:
        candidates = candidates.filter(birth_year__in=[birth_year, None])
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return candidates


def vocabulary_item(vocabulary, code):
    return VocabularyItem.objects.get(vocabulary=vocabulary, code=code)
