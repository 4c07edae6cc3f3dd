"""The geography of France from the COG: Hauts-de-France loaded by the migrations, any region or
all of France by load_geography, idempotently; what an administrator set is kept; a commune gone
from the COG stays while something refers to it. The expected figures are counted from the
shipped file here, not with the loader's code."""

import gzip
import io
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from mediation import geography
from mediation.models import Commune, Department, FormerCommuneCode, Region, Territory
from tests.factories import CommuneFactory, StructureFactory, department

pytestmark = pytest.mark.django_db

with gzip.open(geography.COG_FILE, "rt", encoding="utf-8") as _fh:
    COG = json.load(_fh)
COMMUNES_BY_REGION = Counter(row[3] for row in COG["communes"])
REGION_OF = {row[0]: row[3] for row in COG["communes"]}
FORMER_BY_REGION = Counter(REGION_OF[row[1]] for row in COG["former_codes"])


def load(*args):
    out = io.StringIO()
    call_command("load_geography", *args, stdout=out)
    return out.getvalue()


def test_the_file_is_the_one_the_issue_names():
    assert COG["source"].startswith("@etalab/decoupage-administratif 6.0.0")
    assert len(COG["communes"]) == 34969
    assert COMMUNES_BY_REGION["32"] == 3782


def test_hauts_de_france_is_loaded_by_the_migrations_with_its_territories():
    assert Commune.objects.filter(department__region__code="32").count() == 3782
    assert FormerCommuneCode.objects.filter(commune__department__region__code="32").count() == FORMER_BY_REGION["32"]
    assert sorted(Department.objects.filter(region__code="32").values_list("code", "territory__name")) == [
        ("02", "Picardie"),
        ("59", "Nord"),
        ("60", "Picardie"),
        ("62", "Pas-de-Calais"),
        ("80", "Picardie"),
    ]
    lille = Commune.objects.get(insee_code="59350")
    assert (lille.name, lille.population > 200000, "59000" in lille.postal_codes) == ("Lille", True, True)


def test_loading_again_changes_nothing():
    output = load("--region", "32")
    assert "Communes : 0 créé(s), 0 mis à jour, 0 supprimé(s)" in output
    assert "Rien à changer" in output
    # Without an argument: the regions already loaded.
    assert "Rien à changer" in load()


def test_a_new_region_gets_one_territory_an_administrator_may_rename_and_split():
    output = load("--region", "94")
    assert f"Communes : {COMMUNES_BY_REGION['94']} créé(s)" in output
    corse = Region.objects.get(code="94")
    (territory,) = Territory.objects.filter(region=corse)
    assert territory.name == "Corse"
    assert Commune.objects.filter(department__region=corse).count() == COMMUNES_BY_REGION["94"]
    # The administrator renames it and gives Haute-Corse its own territory.
    Territory.objects.filter(pk=territory.pk).update(name="Corse-du-Sud")
    haute = Territory.objects.create(region=corse, code="haute-corse", name="Haute-Corse", order=2)
    Department.objects.filter(code="2B").update(territory=haute)
    assert "Rien à changer" in load("--region", "94")
    assert Territory.objects.get(pk=territory.pk).name == "Corse-du-Sud"
    assert Department.objects.get(code="2B").territory == haute


def test_a_changed_commune_is_put_back_as_the_cog_says():
    Commune.objects.filter(insee_code="59512").update(name="Roubaix-la-Belle", population=1, postal_codes=[])
    FormerCommuneCode.objects.filter(code="02026").delete()
    report = geography.load(["32"])
    assert (report.communes.updated, report.former_codes.created) == (1, 1)
    roubaix = Commune.objects.get(insee_code="59512")
    assert (roubaix.name, roubaix.postal_codes) == ("Roubaix", ["59100"])


def test_a_commune_gone_from_the_cog_is_kept_while_something_refers_to_it():
    used = CommuneFactory(insee_code="99001", name="Ancienne commune", department=department("59"))
    StructureFactory(commune=used)
    unused = CommuneFactory(insee_code="99002", name="Commune inventée", department=department("59"))
    output = load("--region", "32")
    assert Commune.objects.filter(pk=used.pk).exists()
    assert not Commune.objects.filter(pk=unused.pk).exists()
    assert "Communes : 0 créé(s), 0 mis à jour, 1 supprimé(s)" in output
    assert "1 commune(s) absente(s) du COG gardée(s)" in output and "Ancienne commune (99001)" in output


def test_an_unknown_region_is_refused_with_the_codes():
    with pytest.raises(CommandError, match="Région inconnue du COG : 99.*32 Hauts-de-France"):
        load("--region", "99")


def test_all_of_france_loads_in_bulk(django_assert_max_num_queries):
    # Bulk inserts of hundreds of rows each (SQLite takes fewer per query than PostgreSQL), not one
    # query per commune.
    with django_assert_max_num_queries(len(COG["communes"]) // 100):
        report = geography.load(None)
    assert Commune.objects.count() == len(COG["communes"])
    assert Region.objects.count() == len(COG["regions"])
    assert FormerCommuneCode.objects.count() == len(COG["former_codes"])
    assert report.communes.created == len(COG["communes"]) - 3782
    # Every region has a territory, Hauts-de-France still its three.
    assert not Region.objects.filter(territories__isnull=True).exists()
    assert Territory.objects.filter(region__code="32").count() == 3
    assert not geography.load(None).changed
