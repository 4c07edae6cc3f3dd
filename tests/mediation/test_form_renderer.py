"""One form renderer for the whole site (FORM_RENDERER, django-dsfr's): every form, whatever its
app, renders through the same instance, so the field templates are parsed once per process and
not once per form (a page of 50 quick-close forms took a second when each had its own)."""

from django import forms
from django.forms.renderers import get_default_renderer
from dsfr.forms import DsfrBaseForm, DsfrDjangoTemplates

from accompaniments.sheet_forms import NameSearchForm
from partners.forms import DeclineReferralForm


class PlainDsfrForm(DsfrBaseForm):
    name = forms.CharField(label="Nom")


def test_every_form_renders_through_one_shared_dsfr_renderer():
    renderers = {
        id(form.renderer) for form in (PlainDsfrForm(), PlainDsfrForm(), NameSearchForm(), DeclineReferralForm())
    }
    assert renderers == {id(get_default_renderer())}
    assert isinstance(get_default_renderer(), DsfrDjangoTemplates)


def test_a_form_renders_the_dsfr_markup():
    html = PlainDsfrForm().as_div()
    assert 'class="fr-input' in html and 'class="fr-label"' in html
