"""What the sheet tests share: a structure with a mediator on her post, a person she follows,
and the POST body of the sheet form as a browser would send it."""

import datetime
import uuid

from django.utils import timezone

from accompaniments.enums import RequestDomain, RequestStatus
from mediation.enums import Role, Vocabulary
from tests.accompaniments.factories import BeneficiaryFactory, item
from tests.factories import make_mediator, make_user

RIGHTS_CSS = ("rights_request", "demande_de_complementaire_sante_solidaire")
CARE_DOCTOR = ("care_request", "aide_a_la_recherche_d_un_professionnel_de_sante")


def today():
    return timezone.localdate()


def days_ago(n):
    return today() - datetime.timedelta(days=n)


class Team:
    """One structure: a mediator holding a post since 2023, and a person she follows."""

    def __init__(self, structure=None):
        self.mediator = make_mediator(structure=structure)
        self.structure = self.mediator.membership.structure
        self.post = self.mediator.post_holdings.get().post
        self.person = self.new_person()

    def new_person(self, **fields):
        fields.setdefault("birth_year", 1980)
        return BeneficiaryFactory(structure=self.structure, referent=self.mediator, **fields)

    def manager(self):
        return make_user(Role.STRUCTURE_MANAGER, structure=self.structure)

    def colleague(self):
        return make_mediator(structure=self.structure)


def request_row(domain=RequestDomain.RIGHTS, kind=RIGHTS_CSS, **fields):
    row = {
        "domain": domain,
        "kind": item(*kind).pk if isinstance(kind, tuple) else kind,
        "status": RequestStatus.IN_PROGRESS,
        "opened_on": "",
        "closed_on": "",
        "follow_up_on": "",
        "note": "",
    }
    row.update(fields)
    return row


def sheet_data(team, *, requests=(), initial_forms=0, submission_key=None, **fields):
    """The sheet form's POST body: the sheet fields, then one block per request row."""
    data = {
        "opened_on": today().isoformat(),
        "post": team.post.pk,
        "contact_mode": item(Vocabulary.CONTACT_MODE, "permanence").pk,
        "resources": item(Vocabulary.RESOURCES, "rsa").pk,
        "lives_in_qpv": "True",
        "qpv": "",
        "came_via": item(Vocabulary.CAME_VIA, "contact_direct").pk,
        "notes": "",
        "submission_key": str(submission_key or uuid.uuid4()),
        "requests-TOTAL_FORMS": str(len(requests)),
        "requests-INITIAL_FORMS": str(initial_forms),
        "requests-MIN_NUM_FORMS": "0",
        "requests-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(requests):
        for name, value in row.items():
            data[f"requests-{index}-{name}"] = value
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def update_data(team, sheet, *, rows=None, version=None, **fields):
    """The edit form's POST body for `sheet` as stored, with `rows` replacing its request rows."""
    if rows is None:
        rows = [
            {
                "id": r.pk,
                "domain": r.domain,
                "kind": r.kind_id,
                "status": r.status,
                "opened_on": r.opened_on.isoformat(),
                "closed_on": r.closed_on.isoformat() if r.closed_on else "",
                "follow_up_on": r.follow_up_on.isoformat() if r.follow_up_on else "",
                "note": r.note,
            }
            for r in sheet.requests.order_by("opened_on", "pk")
        ]
    data = sheet_data(
        team,
        requests=rows,
        initial_forms=sum(1 for row in rows if row.get("id")),
        opened_on=sheet.opened_on.isoformat(),
        post=sheet.post_id,
        contact_mode=sheet.contact_mode_id or "",
        resources=sheet.resources_id or "",
        lives_in_qpv="" if sheet.lives_in_qpv is None else str(sheet.lives_in_qpv),
        came_via=sheet.came_via_id or "",
        notes=sheet.notes,
        version=sheet.version if version is None else version,
        submission_key=None,
    )
    data.pop("submission_key", None)
    data.update(fields)
    return data
