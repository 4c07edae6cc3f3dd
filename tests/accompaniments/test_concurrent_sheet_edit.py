"""A sheet edited while a colleague closes one of its requests, both at the same moment: one
of them wins, the other is told cleanly (the editor gets the stale-edit message), never an error
page; and what is stored is what the winner saw."""

import html

import pytest
from django.urls import reverse

from accompaniments.enums import RequestStatus
from accompaniments.models import Sheet
from tests.accompaniments.factories import SheetFactory, SheetRequestFactory
from tests.accompaniments.sheet_fixtures import Team, days_ago, today, update_data
from tests.concurrency import Browser, require_concurrent_database, simultaneously

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 24
# A file the server sends at once: fetching some first delays the close by a little.
SMALL_FILE = "/static/js/htmx.min.js"
STALE = "Ces informations ont été modifiées par ailleurs depuis que vous avez ouvert la page"


def new_sheet(team):
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(20), notes="Avant")
    SheetRequestFactory(sheet=sheet, note="CSS")
    SheetRequestFactory(sheet=sheet, care=True, note="Médecin")
    return sheet


def edited(team, sheet):
    """The edit form as sent: new sheet notes and a new note on each request."""
    data = update_data(team, sheet, notes="Après")
    for index in range(sheet.requests.count()):
        data[f"requests-{index}-note"] = f"Revue {index}"
    return data


def test_an_edit_and_a_simultaneous_close_never_fail(live_server):
    require_concurrent_database()
    team = Team()
    editor, closer = Browser(live_server, team.mediator), Browser(live_server, team.colleague())
    for round_ in range(ROUNDS):
        sheet = new_sheet(team)
        first = sheet.requests.order_by("pk").first()
        edit_url = reverse("accompaniments:sheet_update", args=[sheet.pk])
        detail_url = reverse("accompaniments:sheet_detail", args=[sheet.pk])
        editor.open_form(edit_url)
        closer.open_form(detail_url)
        close = {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat(), "next": detail_url}
        edit_data = edited(team, sheet)

        close_url = reverse("accompaniments:request_close", args=[first.pk])

        # The edit does more work before it writes than the close: round after round, the colleague
        # fetches a small file once more before closing, so that the close meets every step of the edit.
        def close_later(lead=round_, close_url=close_url, close=close):
            for _ in range(lead):
                closer.get(SMALL_FILE)
            return closer.post(close_url, close)

        def edit_now(edit_url=edit_url, edit_data=edit_data):
            return editor.post(edit_url, edit_data)

        edit, closed = simultaneously(edit_now, close_later)

        assert (edit.status, closed.status) == (200, 200)
        assert closed.path == detail_url and "close le" in html.unescape(closed.body)
        sheet = Sheet.objects.get(pk=sheet.pk)
        first.refresh_from_db()
        assert first.status == RequestStatus.RESOLVED  # the close went through either way
        notes = sorted(sheet.requests.values_list("note", flat=True))
        if edit.path == detail_url:  # the edit went first: stored whole, then the close on top
            assert "Fiche enregistrée." in html.unescape(edit.body)
            assert (sheet.notes, notes) == ("Après", ["Revue 0", "Revue 1"])
        else:  # the close went first: the edit is refused, nothing of it written
            assert edit.path == edit_url and STALE in html.unescape(edit.body)
            assert (sheet.notes, notes) == ("Avant", ["CSS", "Médecin"])
