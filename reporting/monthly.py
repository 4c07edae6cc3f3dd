"""The activity of a year month by month, for the coordinators who steer the campaign while the
year runs: sheets opened, people they concern and requests opened by domain, per month of the
year for the scope (its departments and post type). Three grouped queries, whatever the number
of sheets; the same rules as the bilan (a sheet or a request belongs to the month it was opened
in, to the department of its post)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from accompaniments.enums import RequestDomain
from accompaniments.models import SheetRequest

from .activity import scope_posts, year_sheets

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Month:
    number: int
    label: str
    sheets: int
    people: int
    rights_requests: int
    care_requests: int
    to_come: bool = False  # a month of the current year that has not begun

    @property
    def requests(self):
        return self.rights_requests + self.care_requests


@dataclass(frozen=True)
class MonthlyActivity:
    year: int
    months: tuple[Month, ...]
    sheets: int
    people: int  # people of the year, each once (not the sum of the months)
    rights_requests: int
    care_requests: int

    @property
    def requests(self):
        return self.rights_requests + self.care_requests

    @property
    def empty(self):
        return not (self.sheets or self.requests)

    @property
    def busiest(self):
        """The highest count of sheets in a month, for the bars of the table."""
        return max((month.sheets for month in self.months), default=0)


def monthly_activity(scope, *, today=None):
    today = today or timezone.localdate()
    posts = list(scope_posts(scope))
    sheets = year_sheets(scope, posts)
    by_month = {
        row["month"]: row
        for row in sheets.annotate(month=ExtractMonth("opened_on"))
        .order_by()
        .values("month")
        .annotate(sheets=Count("pk"), people=Count("beneficiary", distinct=True))
    }
    requests = {}
    for row in (
        SheetRequest.objects.filter(opened_on__gte=scope.start, opened_on__lte=scope.end, post_id__in=posts)
        .annotate(month=ExtractMonth("opened_on"))
        .order_by()
        .values("month", "domain")
        .annotate(n=Count("pk"))
    ):
        requests[(row["month"], row["domain"])] = row["n"]
    year_people = sheets.aggregate(n=Count("beneficiary", distinct=True))["n"]

    months = []
    for number, label in enumerate(MONTHS, start=1):
        row = by_month.get(number, {})
        months.append(
            Month(
                number=number,
                label=label,
                sheets=row.get("sheets", 0),
                people=row.get("people", 0),
                rights_requests=requests.get((number, RequestDomain.RIGHTS), 0),
                care_requests=requests.get((number, RequestDomain.CARE), 0),
                to_come=datetime.date(scope.year, number, 1) > today,
            )
        )
    return MonthlyActivity(
        year=scope.year,
        months=tuple(months),
        sheets=sum(m.sheets for m in months),
        people=year_people,
        rights_requests=sum(m.rights_requests for m in months),
        care_requests=sum(m.care_requests for m in months),
    )
