"""The fields an administrator edits in the list of a vocabulary's values (order, active) carry a
label naming the value, since only a column header shows what they are."""

import re

import pytest
from django.urls import reverse

from mediation.enums import Role

pytestmark = pytest.mark.django_db


def test_each_field_of_the_vocabulary_list_names_its_value(client, login_as):
    login_as(Role.ADMIN)
    page = client.get(reverse("admin:mediation_vocabularyitem_changelist")).content.decode()
    fields = re.findall(r'<(?:input|select)[^>]*name="form-\d+-(?:order|is_active)"[^>]*>', page)
    assert len(fields) > 20
    unlabelled = [field for field in fields if "aria-label=" not in field]
    assert unlabelled == []
    assert re.search(r'aria-label="Ordre — [^"]+"', page)
