"""Past years' bilans as the regional questionnaire records them: yes/no (also x, 1/0, empty)
where the bilan has a number of actions for professionals, the professional project written
« défini », « en cours de réflexion »…, counts where it asks counts. Accepted with the rule said
in the dry run, imported twice without change, and Annexe 1's shares as the answers say."""

from pathlib import Path

import pytest

from mediation.enums import Role
from mediation.models import Department
from reporting.annual import compute_annual
from reporting.enums import FigureKey
from reporting.history_import import run
from reporting.models import AnnualBilan
from reporting.scope import resolve_scope
from tests.factories import hauts_de_france, make_user

pytestmark = pytest.mark.django_db

FILE = Path(__file__).parent / "fixtures" / "bilans-questionnaire-region.csv"
YEAR = 2023  # the year of the file's rows


def import_(*, dry_run=False):
    by = make_user(Role.COORDINATOR, region=hauts_de_france())
    allowed = {d.pk for d in hauts_de_france().departments.all()}
    return run(FILE.name, FILE.read_bytes(), year=YEAR, by=by, allowed_department_ids=allowed, dry_run=dry_run)


def test_the_dry_run_accepts_the_questionnaires_answers_and_states_the_rule():
    report = import_(dry_run=True)
    assert (report.errors, report.created) == ([], 6)
    warning = next(note for note in report.notes if "actions_professionnels" in note)
    assert warning.startswith("3 bilan(s) répondant oui ou non")  # Q1, Q2, Q3
    assert "« non » compte 0 action" in warning and "part de l'annexe 1" in warning
    assert not AnnualBilan.objects.exists()


def test_each_answer_is_stored_as_the_questionnaire_says():
    assert import_().ok
    stored = {
        bilan.import_key.rsplit(":", 1)[1]: bilan
        for bilan in AnnualBilan.objects.select_related("professional_project").prefetch_related("figures")
    }

    def actions(key):
        figure = next((f for f in stored[key].figures.all() if f.key == FigureKey.ACTIONS_PROFESSIONALS), None)
        return None if figure is None else figure.declared

    answers = {
        key: (stored[key].coanimated_for_professionals, actions(key), stored[key].professional_project.code)
        for key in sorted(stored)
    }
    assert answers == {
        "Q1": (True, None, "defined"),  # « oui » : no number of actions
        "Q2": (False, 0, "emerging"),  # « non » : none
        "Q3": (True, None, "none"),  # « x »
        "Q4": (None, None, "defined"),  # not answered
        "Q5": (None, 3, "emerging"),  # a count
        "Q6": (None, 0, "none"),
    }
    assert [stored[key].cpam_partnership for key in sorted(stored)] == [True, False, True, None, True, False]

    def method(key):
        return next(f.method for f in stored[key].figures.all() if f.key == FigureKey.ACTIONS_PROFESSIONALS)

    assert "répond « oui », sans nombre d'actions" in method("Q1")
    assert "répond « non » (0 action)" in method("Q2")
    assert method("Q5") == "Importé de l'historique."


def test_the_same_file_imported_again_changes_nothing():
    assert import_().created == 6
    again = import_()
    assert (again.errors, again.created, again.unchanged) == ([], 0, 6)
    assert AnnualBilan.objects.count() == 6


def test_annexe_1_shares_come_out_as_the_answers_say():
    assert import_().ok
    scope = resolve_scope(Department.objects.all(), year=YEAR, key="region:32")
    annex = compute_annual(scope, list(Department.objects.select_related("territory").order_by("code"))).annex
    total = [c.key for c in annex.columns].index("total")
    shares = {row.key: row.values[total] for row in annex.rows if row.kind == "share"}
    assert annex.columns[total].bilans == 6
    assert shares["actions_professionals"] == 50  # Q1 « oui », Q3 « x », Q5 « 3 »
    assert shares["cpam_partnership"] == 50  # Q1, Q3, Q5
    assert shares["professional_project"] == 67  # défini or in reflection: Q1, Q2, Q4, Q5


def test_a_word_that_is_neither_a_number_nor_yes_or_no_is_refused_clearly():
    by = make_user(Role.ADMIN)
    content = (
        "annee;departement;type_poste;identifiant;exploitable;actions_professionnels\n2023;59;QPV;A;oui;peut-être\n"
    )
    report = run("b.csv", content.encode(), year=YEAR, by=by, allowed_department_ids=None, dry_run=True)
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (2, "actions_professionnels", "Nombre entier positif ou nul, ou oui / non, attendu, pas « peut-être »."),
    ]
