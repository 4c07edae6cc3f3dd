"""Files built to exhaust the server are refused before they expand, with a French message;
the legitimate files that look like them (LibreOffice's trailing repeated rows) are read.

- An ODS writes repeated spaces, cells and rows as counts: a 2 KB file could declare gigabytes
  of text. Its expansion is counted on the streamed XML and bounded (memory measured with
  tracemalloc, not time).
- A cell longer than MAX_CELL_CHARS is refused with its position, in every format (a CSV
  cell beyond the csv module's own limit used to read as an unclosed quote)."""

import io
import tracemalloc
import zipfile

import pytest
import tablib
from openpyxl import Workbook

from mediation.imports.formats import MAX_CELL_CHARS, MAX_COLUMNS, ImportFileError, check_upload, read_file

MEMORY_BUDGET = 50 * 1024 * 1024
TOO_LONG = f"dépasse {MAX_CELL_CHARS:,} caractères".replace(",", "\u202f")


def ods_with(rows_xml, *, compress=True):
    """An ODS made by tablib whose first table holds `rows_xml` after its header row."""
    content = tablib.Dataset(["x", "y"], headers=["a", "b"]).export("ods")
    target = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(io.BytesIO(content)) as original, zipfile.ZipFile(target, "w", method) as archive:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "content.xml":
                data = data.replace(b"</table:table>", rows_xml + b"</table:table>", 1)
            archive.writestr(
                info.filename, data, compress_type=zipfile.ZIP_STORED if info.filename == "mimetype" else method
            )
    return target.getvalue()


def cell(text):
    return b"<table:table-cell office:value-type='string'><text:p>" + text + b"</text:p></table:table-cell>"


def row(*cells, repeat=1):
    return f"<table:table-row table:number-rows-repeated='{repeat}'>".encode() + b"".join(cells) + b"</table:table-row>"


def peak_memory(function):
    tracemalloc.start()
    try:
        function()
    except ImportFileError as error:
        result = error
    else:
        result = None
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak


def refused(content, name="registre.ods"):
    """The message the file is refused with, and the memory its checking and reading took."""
    return peak_memory(lambda: read_file(name, content))


SPACES_BOMB = row(*[cell(b"x" + b'<text:s text:c="100000000"/>' * 3)] * 2)


def test_the_2kb_repeated_spaces_file_is_refused_with_bounded_memory():
    content = ods_with(SPACES_BOMB)
    assert len(content) < 4096
    error, peak = refused(content)
    assert error is not None and TOO_LONG in str(error)
    assert "La cellule A3 (ligne 3, colonne 1)" in str(error)
    assert peak < MEMORY_BUDGET


def test_repeated_spaces_are_refused_at_upload_already():
    with pytest.raises(ImportFileError, match=TOO_LONG):
        check_upload("registre.ods", ods_with(SPACES_BOMB))


def test_a_value_repeated_over_a_billion_columns_is_refused():
    error, peak = refused(
        ods_with(
            row(
                cell(b"x"),
                b"<table:table-cell table:number-columns-repeated='1000000000' office:value-type='string'>"
                b"<text:p>oui</text:p></table:table-cell>",
            )
        )
    )
    assert error is not None and f"plus de {MAX_COLUMNS} colonnes" in str(error)
    assert peak < MEMORY_BUDGET


def test_a_row_of_values_repeated_a_billion_times_is_refused(settings):
    error, peak = refused(ods_with(row(cell(b"x"), cell(b"y"), repeat=1_000_000_000)))
    assert error is not None and "nombre maximal de lignes" in str(error)
    assert peak < MEMORY_BUDGET


def test_long_cells_repeated_down_and_across_are_refused_before_they_expand(settings):
    settings.IMPORT_MAX_ROWS = 60_000
    long_text = b"y" * 4000
    wide = b"<table:table-cell table:number-columns-repeated='90' office:value-type='string'><text:p>" + long_text
    error, peak = refused(ods_with(row(cell(b"x"), wide + b"</text:p></table:table-cell>", repeat=50_000)))
    assert error is not None and "cellules répétées développées" in str(error)
    assert peak < MEMORY_BUDGET


def test_a_libreoffice_sheet_with_trailing_repeated_empty_rows_and_columns_is_read():
    """LibreOffice ends a sheet with empty cells repeated to the last column and empty rows
    repeated to the last row; a row repeated a few times with values is kept as many times."""
    trailing = (
        row(cell(b"z"), cell(b"w"), b"<table:table-cell table:number-columns-repeated='16382'/>", repeat=2)
        + b"<table:table-row table:number-rows-repeated='1048570'>"
        b"<table:table-cell table:number-columns-repeated='16384'/></table:table-row>"
    )
    content = ods_with(trailing)
    error, peak = peak_memory(lambda: check_upload("registre.ods", content))
    assert error is None and peak < MEMORY_BUDGET
    table = read_file("registre.ods", content)
    assert [(r.line, r.cells) for r in table.rows] == [(2, ("x", "y")), (3, ("z", "w")), (4, ("z", "w"))]


# ---------------------------------------------------------------- the length of a cell


def csv_content(value, *, quoted):
    text = f'"{value}"' if quoted else value
    return f"nom,departement\r\nCCAS,59\r\n{text},59\r\n".encode()


@pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "unquoted"])
def test_a_200kb_csv_cell_is_reported_as_too_long_not_as_a_quote(quoted):
    with pytest.raises(ImportFileError) as refused_file:
        read_file("partenaires.csv", csv_content("a" * 200_000, quoted=quoted))
    message = str(refused_file.value)
    assert "La cellule A3 (ligne 3, colonne 1)" in message and TOO_LONG in message
    assert "guillemet" not in message


@pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "unquoted"])
def test_a_csv_cell_just_over_the_limit_is_refused_not_cut(quoted):
    with pytest.raises(ImportFileError, match=TOO_LONG):
        read_file("partenaires.csv", csv_content("a" * (MAX_CELL_CHARS + 1), quoted=quoted))
    table = read_file("partenaires.csv", csv_content("a" * MAX_CELL_CHARS, quoted=quoted))
    assert table.rows[1].cells == ("a" * MAX_CELL_CHARS, "59")


def test_a_quote_left_open_over_a_long_file_says_it_may_be_a_quote():
    lines = "".join(f"CCAS {n},59\r\n" for n in range(2000))
    content = f'nom,departement\r\n"CCAS ouvert,59\r\n{lines}'.encode()
    with pytest.raises(ImportFileError, match="guillemet est peut-être resté ouvert"):
        read_file("partenaires.csv", content)


def xlsx_with(value):
    book = Workbook()
    sheet = book.active
    sheet.append(["nom", "departement"])
    sheet.append(["CCAS", "59"])
    sheet.append(["CAF", value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_cell_over_the_limit_is_refused_not_cut():
    with pytest.raises(ImportFileError, match=r"La cellule B3 \(ligne 3, colonne 2\) dépasse"):
        read_file("partenaires.xlsx", xlsx_with("b" * (MAX_CELL_CHARS + 1)))


def test_an_ods_cell_over_the_limit_is_refused_not_cut():
    content = ods_with(row(cell(b"z"), cell(b"w" * (MAX_CELL_CHARS + 1))))
    with pytest.raises(ImportFileError, match=r"La cellule B3 \(ligne 3, colonne 2\) dépasse"):
        read_file("partenaires.ods", content)


@pytest.mark.django_db
def test_the_upload_page_refuses_the_attack_file_with_its_message(client, login_as, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from mediation.enums import Role

    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")
    login_as(Role.ADMIN)
    data = SimpleUploadedFile("partenaires.ods", ods_with(SPACES_BOMB))
    response = client.post(reverse("imports:upload", args=["partenaires"]), {"file": data})
    assert response.status_code == 200
    assert "La cellule A3 (ligne 3, colonne 1) dépasse 5\u202f000 caractères" in response.content.decode()
    assert not (tmp_path / "imports").exists() or not any((tmp_path / "imports").iterdir())
