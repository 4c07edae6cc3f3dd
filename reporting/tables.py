"""The shapes every figure of the bilan takes: plain frozen data, built once by the queries
and read as they are by the dashboards, the PDF, the spreadsheet exports and the JSON."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value, places=0):
    """Round as the region's spreadsheets do: 12.5 → 13, 8.25 → 8.3 (never banker's rounding)."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def percent(part, whole):
    """Whole percent of `part` in `whole`, rounded half up; None when `whole` is zero."""
    if not whole:
        return None
    return int(round_half_up(Decimal(part) * 100 / Decimal(whole)))


def change(now, before):
    """Evolution from `before` to `now` in whole percent, rounded half up (−12.5 → −13); None
    when there is nothing to compare with."""
    if now is None or not before:
        return None
    value = (Decimal(now) - Decimal(before)) * 100 / Decimal(before)
    return int(value.copy_abs().quantize(Decimal(1), rounding=ROUND_HALF_UP)) * (1 if value >= 0 else -1)


def mean(total, count, places=1):
    if not count:
        return None
    return round_half_up(Decimal(total) / Decimal(count), places)


@dataclass(frozen=True)
class Exact:
    """The exact value a figure is rounded from, as a fraction (a sum of figures or a count, over
    a number of bilans), so that a reader of the JSON never rounds a rounded value again."""

    numerator: int
    denominator: int

    @classmethod
    def of(cls, numerator, denominator):
        return cls(int(numerator), int(denominator))


@dataclass(frozen=True)
class Cell:
    count: int
    percent: int | None = None


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple
    total: int

    @classmethod
    def of_counts(cls, label, counts):
        whole = sum(counts)
        return cls(label=label, cells=tuple(Cell(c, percent(c, whole)) for c in counts), total=whole)


@dataclass(frozen=True)
class CountTable:
    """Counts of a closed list per department, with row percentages and a total row; and, when
    year N−1 has sheets, the total row of N−1 over the same columns."""

    key: str
    title: str
    columns: tuple
    rows: tuple
    total: Row
    note: str = ""
    previous_year: int | None = None
    previous: Row | None = None


@dataclass(frozen=True)
class MeanRow:
    label: str
    mean: Decimal | None
    count: int
    previous: Decimal | None = None  # the mean of year N−1


@dataclass(frozen=True)
class MeanTable:
    key: str
    title: str
    unit: str
    rows: tuple
    total: MeanRow
    note: str = ""
    previous_year: int | None = None


@dataclass(frozen=True)
class VolumeRow:
    label: str
    sheets: int
    mediators: int
    percent: int | None
    previous: int | None = None  # sheets of year N−1
    change: int | None = None  # evolution from N−1, in percent


@dataclass(frozen=True)
class VolumeTable:
    key: str
    title: str
    rows: tuple
    total: VolumeRow
    note: str = ""
    previous_year: int | None = None


@dataclass(frozen=True)
class RequestTable:
    """Requests of one domain by type (columns) per department (rows), and the share of each
    type resolved at year end."""

    key: str
    title: str
    columns: tuple
    rows: tuple
    total: Row
    resolved: Row
    note: str = ""
    previous_year: int | None = None
    previous: Row | None = None
    previous_resolved: Row | None = None
