"""Uploads are checked before parsing: size, rows, real type, zip bombs, XML declarations;
CSV encodings and separators are detected; XLSX and ODS are read."""

import datetime
import io
import zipfile

import pytest
import tablib

from mediation.imports.formats import ImportFileError, check_upload, read_file, read_upload
from tests.imports.conftest import csv_bytes

HEADERS = ["code_poste", "structure", "date_debut"]
ROWS = [["P-1", "Centre social Élan", "01/02/2024"], ["P-2", "CCAS de Liévin", "15/03/2024"]]


def test_semicolon_and_windows_1252_are_detected():
    table = read_file("registre.csv", csv_bytes(HEADERS, ROWS, delimiter=";", encoding="cp1252"))
    assert table.headers == HEADERS
    assert [row.cells for row in table.rows] == [tuple(r) for r in ROWS]
    assert [row.line for row in table.rows] == [2, 3]
    assert "point-virgule" in table.description and "Windows-1252" in table.description


def test_utf8_with_bom_and_comma():
    content = b"\xef\xbb\xbf" + csv_bytes(HEADERS, ROWS)
    table = read_file("registre.csv", content)
    assert table.headers[0] == "code_poste"
    assert table.rows[1].cells[1] == "CCAS de Liévin"
    assert "UTF-8" in table.description


def test_empty_rows_are_skipped_and_row_numbers_kept():
    content = csv_bytes(HEADERS, [ROWS[0], ["", "", ""], ROWS[1]])
    table = read_file("registre.csv", content)
    assert [row.line for row in table.rows] == [2, 4]


def test_xlsx_is_read_with_dates_and_numbers():
    data = tablib.Dataset(["P-1", 59512, datetime.date(2024, 2, 1)], headers=["code_poste", "commune", "date_debut"])
    table = read_file("registre.xlsx", data.export("xlsx"))
    assert table.rows[0].cells == ("P-1", 59512, datetime.date(2024, 2, 1))


def test_ods_is_read():
    data = tablib.Dataset(["P-1", 59512, datetime.date(2024, 2, 1)], headers=["code_poste", "commune", "date_debut"])
    table = read_file("registre.ods", data.export("ods"))
    assert table.headers == ["code_poste", "commune", "date_debut"]
    assert table.rows[0].cells == ("P-1", 59512, datetime.date(2024, 2, 1))


@pytest.mark.parametrize("name", ["registre.xlsx", "registre.ods"])
def test_a_text_file_renamed_as_a_spreadsheet_is_refused(name):
    with pytest.raises(ImportFileError, match="n'est pas un"):
        check_upload(name, csv_bytes(HEADERS, ROWS))


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override ContentType="application/msword"/></Types>')
    with pytest.raises(ImportFileError, match="n'est pas un classeur Excel"):
        check_upload("registre.xlsx", buffer.getvalue())


def test_a_spreadsheet_renamed_as_csv_is_refused():
    xlsx = tablib.Dataset(["x"], headers=["a"]).export("xlsx")
    with pytest.raises(ImportFileError, match="compressé"):
        check_upload("registre.csv", xlsx)


def test_old_xls_is_refused_with_advice():
    with pytest.raises(ImportFileError, match=r"\.xls"):
        check_upload("registre.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


def test_unknown_extension_is_refused():
    with pytest.raises(ImportFileError, match="Format non pris en charge"):
        check_upload("registre.pdf", b"%PDF-1.4")


def zip_bomb(size):
    """A valid XLSX skeleton plus one part of `size` zeros, packing about a thousand to one."""
    buffer = io.BytesIO(tablib.Dataset(["x"], headers=["a"]).export("xlsx"))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/bomb.bin", b"\x00" * size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_by_its_compression_ratio():
    content = zip_bomb(20 * 1024 * 1024)
    assert len(content) < 200_000
    with pytest.raises(ImportFileError, match="anormale"):
        check_upload("registre.xlsx", content)


def test_a_zip_unpacking_beyond_the_limit_is_refused(settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 100_000
    data = tablib.Dataset(*[[f"ligne {i}", i] for i in range(3000)], headers=["a", "b"])
    with pytest.raises(ImportFileError, match="décompressé"):
        check_upload("registre.xlsx", data.export("xlsx"))


def with_entities(part):
    """An XLSX whose `part` declares entities (the start of a "billion laughs")."""
    source = io.BytesIO(tablib.Dataset(["x"], headers=["a"]).export("xlsx"))
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as archive:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == part:
                data = b'<!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' + data
            archive.writestr(info, data)
    return target.getvalue()


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"])
def test_xml_entity_declarations_are_refused(part):
    with pytest.raises(ImportFileError, match="DTD"):
        check_upload("registre.xlsx", with_entities(part))


def test_the_workbook_parser_refuses_entities_too():
    """Defence in depth: even without the check above, openpyxl parses with defusedxml."""
    from mediation.imports import formats

    with pytest.raises(ImportFileError, match="interdites"):
        formats._read_xlsx(with_entities("xl/worksheets/sheet1.xml"))


def test_an_oversized_file_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 50
    with pytest.raises(ImportFileError, match="taille maximale"):
        check_upload("registre.csv", csv_bytes(HEADERS, ROWS * 5))


def test_too_many_rows_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(ImportFileError, match="nombre maximal de lignes"):
        read_file("registre.csv", csv_bytes(HEADERS, ROWS * 2))


def test_too_many_rows_in_a_workbook_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    for fmt in ("xlsx", "ods"):
        content = tablib.Dataset(*(ROWS * 2), headers=HEADERS).export(fmt)
        with pytest.raises(ImportFileError, match="nombre maximal de lignes"):
            read_file(f"registre.{fmt}", content)


def test_nul_bytes_are_refused():
    with pytest.raises(ImportFileError, match="caractères nuls"):
        check_upload("registre.csv", b"a,b\x00,c\n1,2,3\n")


def test_a_damaged_workbook_gives_a_message():
    content = tablib.Dataset(["x"], headers=["a"]).export("xlsx")
    damaged = content[:200] + b"\x00" * 50 + content[250:]
    with pytest.raises(ImportFileError):
        read_upload(check_upload("registre.xlsx", damaged))


def test_an_ods_with_a_million_repeated_empty_rows_is_read_quickly():
    content = tablib.Dataset(["x", "y"], headers=["a", "b"]).export("ods")
    source = io.BytesIO(content)
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "content.xml":
                data = data.replace(
                    b"</table:table>",
                    b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
                    b'table:number-columns-repeated="16000"/></table:table-row></table:table>',
                )
            archive.writestr(info, data)
    table = read_file("registre.ods", target.getvalue())
    assert [row.cells for row in table.rows] == [("x", "y")]


def test_a_nul_character_is_dropped_from_cells_since_postgresql_refuses_it():
    from mediation.imports.formats import Row

    assert Row(2, ("Lil\x00le", 3)).cells == ("Lille", 3)
