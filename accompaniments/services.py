"""Workflows across accompaniment records."""

from mediation.models import VocabularyItem

from .beneficiaries import find_duplicates

__all__ = ["find_duplicates", "vocabulary_item"]


def vocabulary_item(vocabulary, code):
    return VocabularyItem.objects.get(vocabulary=vocabulary, code=code)
