"""The bulk imports' inserts (COPY on PostgreSQL): every new row gets its key, its fields'
defaults and its timestamps, as bulk_create would give them."""

import pytest

from accompaniments.models import Beneficiary, Sheet
from mediation.imports import bulk
from tests.factories import PostFactory, make_mediator

pytestmark = pytest.mark.django_db


def test_new_rows_are_stored_with_their_keys_defaults_and_timestamps():
    post = PostFactory()
    mediator = make_mediator(structure=post.structure, post=post)
    people = [
        Beneficiary(
            structure_id=post.structure_id,
            referent_id=mediator.pk,
            last_name="Personne",
            first_name=f"H-{n}",
            external_id=f"H-{n}",
        )
        for n in range(3)
    ]
    bulk.insert(people)
    sheets = bulk.insert(
        [Sheet(beneficiary_id=p.pk, post_id=post.pk, mediator_id=mediator.pk, opened_on="2024-03-15") for p in people]
    )
    stored = {p.pk: p for p in Beneficiary.objects.all()}
    assert sorted(stored) == sorted(p.pk for p in people)
    assert [stored[p.pk].first_name for p in people] == ["H-0", "H-1", "H-2"]
    assert all(p.version == 1 and p.created_at and p.updated_at for p in stored.values())
    assert list(Sheet.objects.order_by("pk").values_list("pk", "beneficiary_id")) == [
        (s.pk, s.beneficiary_id) for s in sheets
    ]
    # Saved afterwards as any record: they are no longer new.
    people[0].first_name = "Awa"
    people[0].save()
    assert Beneficiary.objects.get(pk=people[0].pk).first_name == "Awa"
    assert Beneficiary.objects.count() == 3
