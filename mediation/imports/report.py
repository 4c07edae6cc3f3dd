"""What an import says back: its columns as the template defines them, its report (rows to
create, to update, unchanged, and every error with its row, column and reason), and while it runs
its progress (a stage and how many of the file's rows it has gone through). The worker writes the
report of a run as JSON into its ImportRun, and its progress beside the uploaded file."""

from dataclasses import dataclass, field

from .formats import header_key

# Rows between two progress events of a stage; the writes go by chunks of as many rows.
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Column:
    key: str  # the header of the template, e.g. "code_poste"
    label: str  # what it holds, in French
    required: bool = False
    help: str = ""  # accepted values, format
    aliases: tuple = ()

    @property
    def header_keys(self):
        return {self.key, header_key(self.label), *(header_key(a) for a in self.aliases)}


@dataclass(frozen=True)
class RowError:
    line: int | None  # the spreadsheet's row number (headers are row 1); None for the whole file
    column: str  # a column of the template, "" when the error is not about one cell
    message: str


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # side effects, e.g. "2 structures créées"
    ignored_columns: list = field(default_factory=list)
    description: str = ""  # how the file was read (format, separator, encoding)
    applied: bool = False  # True once a confirmed import wrote its rows

    @property
    def ok(self):
        return not self.errors

    def error(self, line, column, message):
        self.errors.append(RowError(line, column, message))

    def sorted_errors(self):
        return sorted(self.errors, key=lambda e: (e.line or 0, e.column))

    def summary(self):
        """The counts and notes the page of a finished import shows."""
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": list(self.notes),
        }

    def as_json(self):
        """The whole report as plain data, kept with its ImportRun for the run's page."""
        return {
            **self.summary(),
            "errors": [[error.line, error.column, error.message] for error in self.errors],
            "ignored_columns": list(self.ignored_columns),
            "description": self.description,
            "applied": self.applied,
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            total=data["total"],
            created=data["created"],
            updated=data["updated"],
            unchanged=data["unchanged"],
            errors=[RowError(line, column, message) for line, column, message in data["errors"]],
            notes=list(data["notes"]),
            ignored_columns=list(data["ignored_columns"]),
            description=data["description"],
            applied=data["applied"],
        )


@dataclass(frozen=True)
class Progress:
    """Where a running import is: a stage, in French, and the rows it has gone through (no
    count while the file itself is read)."""

    stage: str
    done: int = 0
    total: int | None = None


def finish(steps):
    """Run a generator of Progress events to its end and return what it returns (the report)."""
    while True:
        try:
            next(steps)
        except StopIteration as end:
            return end.value


def map_headers(headers, columns):
    """{column key: index in the row}, the headers not recognised, and the file-level errors
    (a required column missing, a column given twice)."""
    by_header = {}
    for column in columns:
        for key in column.header_keys:
            by_header.setdefault(key, column)
    index, ignored, errors = {}, [], []
    for position, header in enumerate(headers):
        if not str(header).strip():
            continue
        column = by_header.get(header_key(header))
        if column is None:
            ignored.append(str(header))
        elif column.key in index:
            errors.append(RowError(None, column.key, f"La colonne « {header} » apparaît deux fois."))
        else:
            index[column.key] = position
    for column in columns:
        if column.required and column.key not in index:
            errors.append(RowError(None, column.key, f"Colonne obligatoire absente : « {column.key} »."))
    return index, ignored, errors


def cell(row, position):
    if position is None or position >= len(row.cells):
        return ""
    return row.cells[position]
