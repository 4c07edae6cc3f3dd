"""Year N beside year N−1. Each table of the bilan carries, when year N−1 has figures of the
same kind, the matching figures of N−1: sheets and their evolution per department, mean ages,
the N−1 total row of every cross table (over the same columns), the N−1 "Ensemble" column of
Annexe 1, the N−1 share of each ranked answer and the posts register at the end of N−1.

Nothing is counted here: the figures come from the two years' computations; only the
evolution of a count is derived, with the same rounding as every other percentage."""

import dataclasses

from .tables import Row, change, percent


def compare_activity(activity, previous, year, note=""):
    """The sheet tables of `activity` with those of `previous` (year `year`) beside them. Both
    must have been built with each other's counts, so that their columns are the same. A row
    of `previous` withheld (None) leaves its N−1 cells and evolution empty; `note` then says why
    under the tables that show them."""
    if previous is None:
        return activity
    replace = dataclasses.replace
    volume = replace(
        activity.volume,
        previous_year=year,
        rows=tuple(
            replace(row, previous=before.sheets, change=change(row.sheets, before.sheets))
            for row, before in zip(activity.volume.rows, previous.volume.rows, strict=True)
        ),
        total=replace(
            activity.volume.total,
            previous=previous.volume.total.sheets,
            change=change(activity.volume.total.sheets, previous.volume.total.sheets),
        ),
        note=_noted(activity.volume.note, note),
    )
    age = replace(
        activity.age,
        previous_year=year,
        rows=tuple(
            replace(row, previous=before.mean) for row, before in zip(activity.age.rows, previous.age.rows, strict=True)
        ),
        total=replace(activity.age.total, previous=previous.age.total.mean),
        note=_noted(activity.age.note, note),
    )
    tables = {"volume": volume, "age": age}
    for key in ("sex", "qpv", "resources", "came_via"):
        now, before = getattr(activity, key), getattr(previous, key)
        _same_columns(now, before)
        tables[key] = replace(now, previous_year=year, previous=_renamed(before.total, f"Total {year}"))
    for key in ("rights_requests", "care_requests"):
        now, before = getattr(activity, key), getattr(previous, key)
        _same_columns(now, before)
        tables[key] = replace(
            now,
            previous_year=year,
            previous=_renamed(before.total, f"Total {year}"),
            previous_resolved=_renamed(before.resolved, f"dont résolues fin {year}"),
        )
    return replace(activity, **tables)


def compare_annual(annual, previous, year):
    """Annexe 1 with the whole scope's N−1 column, and each ranked answer with its N−1 share."""
    if previous is None or not previous.bilans:
        return annual
    replace = dataclasses.replace
    before_rows = {row.key: row.values[0] for row in previous.annex.rows}
    annex = replace(
        annual.annex,
        previous_year=year,
        previous=replace(previous.annex.columns[0], label=f"Ensemble {year}"),
        rows=tuple(replace(row, previous=before_rows.get(row.key)) for row in annual.annex.rows),
    )
    before_lists = {ranked.key: ranked for ranked in previous.ranked}
    ranked = []
    for now in annual.ranked:
        before = before_lists[now.key]
        cited = {item.label: item.count for item in before.items}
        ranked.append(
            replace(
                now,
                previous_year=year,
                previous_bilans=before.bilans,
                items=tuple(
                    replace(item, previous_percent=percent(cited.get(item.label, 0), before.bilans))
                    for item in now.items
                ),
            )
        )
    return replace(annual, annex=annex, ranked=tuple(ranked))


def compare_register(register, previous_total, day):
    """The posts register with the N−1 total (read on `day`) as its last row."""
    if previous_total is None or not previous_total.posts:
        return register
    return dataclasses.replace(register, previous=dataclasses.replace(previous_total, label=f"Total au {day:%d/%m/%Y}"))


def _noted(text, note):
    return f"{text} {note}" if note else text


def _renamed(row, label):
    return Row(label=label, cells=row.cells, total=row.total)


def _same_columns(now, before):
    if now.columns != before.columns:
        raise ValueError(f"The two years of table {now.key} were built with different columns.")
