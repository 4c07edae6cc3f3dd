"""Uploaded spreadsheets: checked before anything parses them, then read into rows of cells.

The checks, in this order, each refusing the file with a French message (ImportFileError):
1. size, against settings.IMPORT_MAX_BYTES;
2. real type, read from the content rather than the name: an XLSX is a zip whose
   [Content_Types].xml declares a spreadsheet workbook, an ODS a zip whose first entry
   `mimetype` names an OpenDocument spreadsheet, a CSV decodable text without NUL bytes
   (UTF-8 with or without BOM, else Windows-1252);
3. for zips, before any part is opened: the sizes the zip directory declares (zip bombs:
   total unpacked size, compression ratio, number of parts, no encryption), then every XML part:
   UTF-8 only and no DTD or entity declaration (entity expansion, external entities). The XML
   parsers used afterwards are defusedxml's too (openpyxl uses it when installed, which is
   asserted below; the ODS reader here parses with defusedxml and forbids DTDs);
4. for ODS, what the sheet would expand to, counted on the XML streamed through a SAX parser
   without expanding anything: an ODS writes repeated spaces (`text:s text:c`), repeated cells
   (`number-columns-repeated`) and repeated rows (`number-rows-repeated`) as counts, so that a
   2 KB file can declare gigabytes. A cell longer than MAX_CELL_CHARS, a value beyond
   MAX_COLUMNS columns, more non-empty rows than IMPORT_MAX_ROWS or more than
   MAX_EXPANDED_CHARS characters in all are refused. Empty rows and cells repeated at the end
   of a sheet (LibreOffice writes a million of them) contain nothing and are not counted;
5. the number of rows, against settings.IMPORT_MAX_ROWS, and the length of every cell, against
   MAX_CELL_CHARS, while reading.

Python's zipfile never inflates a part beyond the size its directory declares, so checking the
declared sizes bounds what reading may unpack."""

import codecs
import csv
import datetime
import io
import re
import unicodedata
import xml.sax
import zipfile
from dataclasses import dataclass, field
from xml.sax.handler import ContentHandler, feature_namespaces

import defusedxml.sax
import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.defaultfilters import filesizeformat

# openpyxl parses workbooks with defusedxml only when it is installed and not switched off
# (OPENPYXL_DEFUSEDXML=False): refuse to start rather than read XLSX with the plain parser.
if not openpyxl.DEFUSEDXML:
    raise ImproperlyConfigured("openpyxl doit analyser les classeurs avec defusedxml (OPENPYXL_DEFUSEDXML).")

CSV, XLSX, ODS = "csv", "xlsx", "ods"
EXTENSIONS = {".csv": CSV, ".txt": CSV, ".xlsx": XLSX, ".ods": ODS}
FORMAT_LABELS = {CSV: "CSV", XLSX: "classeur Excel (XLSX)", ODS: "classeur OpenDocument (ODS)"}

XLSX_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls of Excel 97-2003

# A spreadsheet has a few dozen parts; a sheet's XML packs about ten to one, rarely fifty.
MAX_ZIP_ENTRIES = 500
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_COLUMNS = 100
# The longest cell accepted, in characters (the longest field of a template holds 300).
MAX_CELL_CHARS = 5000
# What the cells of an ODS may add up to once their repeats are expanded: about as much text as
# the largest CSV accepted (IMPORT_MAX_BYTES) would hold.
MAX_EXPANDED_CHARS = 20_000_000
XML_CHUNK_BYTES = 1024 * 1024
FORBIDDEN_XML = (b"<!doctype", b"<!entity")
DELIMITERS = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}


class ImportFileError(Exception):
    """The file cannot be read as a spreadsheet: the message says why, in French."""


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks on size and type (not yet parsed)."""

    name: str
    format: str
    content: bytes


@dataclass(frozen=True)
class Row:
    line: int  # the row number a spreadsheet shows (the header is row 1)
    cells: tuple

    def __post_init__(self):
        # A NUL character means nothing in a cell and PostgreSQL refuses it in any text.
        object.__setattr__(self, "cells", tuple(c.replace("\x00", "") if isinstance(c, str) else c for c in self.cells))


@dataclass
class Table:
    headers: list
    rows: list = field(default_factory=list)
    description: str = ""


# ---------------------------------------------------------------- keys


# Characters that have no ASCII decomposition but a plain equivalent.
TYPOGRAPHY = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "–": "-", "—": "-"}
)


def normalise(value):
    """How labels and headers are compared: no accents, lower case, any run of punctuation or
    spaces as one space ("  Bouche-à-oreille " and "bouche a oreille" are the same)."""
    text = unicodedata.normalize("NFKD", str(value).translate(TYPOGRAPHY)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def thousands(number):
    """12345 as "12 345", the French way."""
    return f"{number:,}".replace(",", "\u202f")


def header_key(value):
    return normalise(value).replace(" ", "_")


# ---------------------------------------------------------------- checks


def _too_big():
    return ImportFileError(
        f"Le fichier dépasse la taille maximale acceptée ({filesizeformat(settings.IMPORT_MAX_BYTES)}) : "
        "découpez-le en plusieurs fichiers."
    )


def check_upload(name, content):
    """The file as an Upload if its size and real type are acceptable, else ImportFileError."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise _too_big()
    if not content.strip():
        raise ImportFileError("Le fichier est vide.")
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    expected = EXTENSIONS.get(extension)
    if content.startswith(OLE_MAGIC):
        raise ImportFileError(
            "Les classeurs .xls (Excel 97-2003) ne sont pas acceptés : enregistrez le fichier au format .xlsx ou CSV."
        )
    if expected is None:
        raise ImportFileError("Format non pris en charge : déposez un fichier CSV, XLSX ou ODS.")
    if expected == CSV:
        if content.startswith(ZIP_MAGIC):
            raise ImportFileError(
                f"Le fichier porte l'extension {extension} mais c'est un fichier compressé (un classeur ?), "
                "pas un texte CSV."
            )
        _decode_csv(content)
        return Upload(name, CSV, content)
    if not content.startswith(ZIP_MAGIC):
        raise ImportFileError(
            f"Le fichier porte l'extension {extension} mais n'est pas un {FORMAT_LABELS[expected]} : "
            "ouvrez-le dans votre tableur et enregistrez-le à nouveau dans ce format."
        )
    archive = _open_zip(content)
    actual = _zip_format(archive)
    if actual != expected:
        raise ImportFileError(
            f"Le fichier porte l'extension {extension} mais n'est pas un {FORMAT_LABELS[expected]} : "
            "ouvrez-le dans votre tableur et enregistrez-le à nouveau dans ce format."
        )
    _check_xml_parts(archive)
    if actual == ODS:
        _check_ods_expansion(archive)
    return Upload(name, actual, content)


def _open_zip(content):
    unreadable = ImportFileError("Le classeur est endommagé ou illisible : enregistrez-le à nouveau.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise unreadable from error
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportFileError("Le classeur contient un nombre anormal de parties : il est refusé.")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ImportFileError("Le classeur est protégé par un mot de passe : enregistrez-le sans protection.")
        total += info.file_size
        if info.file_size > RATIO_CHECKED_FROM_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ImportFileError(
                "Le classeur se décompresse de façon anormale (fichier piégé ou endommagé) : il est refusé."
            )
    if total > settings.IMPORT_MAX_UNZIPPED_BYTES:
        raise ImportFileError(
            "Une fois décompressé, le classeur dépasserait "
            f"{filesizeformat(settings.IMPORT_MAX_UNZIPPED_BYTES)} : découpez-le en plusieurs fichiers."
        )
    return archive


def _zip_format(archive):
    names = set(archive.namelist())
    try:
        if "[Content_Types].xml" in names:
            types = archive.read("[Content_Types].xml")
            if XLSX_MAIN_TYPE in types or b"spreadsheetml.sheet.macroEnabled.main+xml" in types:
                return XLSX
            return None
        if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            return ODS
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ImportFileError("Le classeur est endommagé ou illisible : enregistrez-le à nouveau.") from error
    return None


def _check_xml_parts(archive):
    """No DTD nor entity declaration anywhere, and UTF-8 only (the markers would hide in UTF-16)."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            with archive.open(info) as part:
                head = part.read(4)
                if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
                    raise ImportFileError("Le classeur contient une partie dans un encodage inattendu : il est refusé.")
                tail = head
                while True:
                    chunk = part.read(XML_CHUNK_BYTES)
                    window = (tail + chunk).lower()
                    if any(marker in window for marker in FORBIDDEN_XML):
                        raise ImportFileError(
                            "Le classeur contient des déclarations XML interdites (DTD ou entités) : il est refusé."
                        )
                    if not chunk:
                        break
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
            raise ImportFileError("Le classeur est endommagé ou illisible : enregistrez-le à nouveau.") from error


def _column_letters(number):
    """1 as A, 27 as AA: how a spreadsheet names its columns."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell_too_long(line, column, *, open_quote=False):
    hint = " (un guillemet est peut-être resté ouvert avant elle)" if open_quote else ""
    return ImportFileError(
        f"La cellule {_column_letters(column)}{line} (ligne {line}, colonne {column}) dépasse "
        f"{thousands(MAX_CELL_CHARS)} caractères{hint} : raccourcissez-la, puis déposez le fichier à nouveau."
    )


def _too_many_columns():
    return ImportFileError(f"Le fichier a plus de {MAX_COLUMNS} colonnes : utilisez le modèle fourni.")


class _FirstTableRead(Exception):
    """Raised to stop the SAX parser once the first table has been counted."""


class _OdsExpansion(ContentHandler):
    """Counts, as the XML of an ODS streams through, what its first table would expand to, and
    raises ImportFileError as soon as it goes beyond the limits: nothing is expanded or kept
    but a few counters (SAX hands the text over in pieces)."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # tables open
        self.line = 0  # rows before the current one, repeats included
        self.rows = 0  # non-empty rows, repeats included
        self.total = 0  # characters of the table, repeats included
        self.row = self.cell = None

    @staticmethod
    def _count(attributes, name):
        raw = attributes.get((TABLE_NS if name != "c" else TEXT_NS, name))
        try:
            count = int(raw or 1)
        except ValueError as error:
            raise ImportFileError("Le classeur ODS est endommagé ou illisible : enregistrez-le à nouveau.") from error
        return max(count, 1)

    def startElementNS(self, name, qname, attributes):
        namespace, local = name
        if namespace == TABLE_NS and local == "table":
            self.depth += 1
        elif self.depth != 1:
            return
        elif namespace == TABLE_NS and local == "table-row":
            repeat = self._count(attributes, "number-rows-repeated")
            self.row = {"repeat": repeat, "column": 0, "chars": 0, "content": False}
        elif namespace == TABLE_NS and local in ("table-cell", "covered-table-cell") and self.row is not None:
            self.cell = {
                "repeat": self._count(attributes, "number-columns-repeated"),
                "chars": 0,
                "content": (OFFICE_NS, "value-type") in attributes,
            }
        elif namespace == TEXT_NS and self.cell is not None and local in ("s", "tab", "line-break"):
            self._add(self._count(attributes, "c") if local == "s" else 1)

    def characters(self, content):
        if self.cell is not None:
            self._add(len(content))
            self.cell["content"] = self.cell["content"] or bool(content.strip())

    def _add(self, chars):
        self.cell["chars"] += chars
        if self.cell["chars"] > MAX_CELL_CHARS:
            raise _cell_too_long(self.line + 1, self.row["column"] + 1)

    def endElementNS(self, name, qname):
        namespace, local = name
        if namespace != TABLE_NS:
            return
        if local == "table":
            self.depth -= 1
            if self.depth == 0:
                raise _FirstTableRead
        elif self.depth != 1:
            return
        elif local in ("table-cell", "covered-table-cell") and self.cell is not None:
            cell, self.cell = self.cell, None
            if cell["content"]:
                if self.row["column"] + cell["repeat"] > MAX_COLUMNS:
                    raise _too_many_columns()
                self.row["content"] = True
                self.row["chars"] += cell["chars"] * cell["repeat"]
            self.row["column"] += cell["repeat"]
        elif local == "table-row" and self.row is not None:
            row, self.row = self.row, None
            self.line += row["repeat"]
            if not row["content"]:
                return
            self.rows += row["repeat"]
            self.total += row["chars"] * row["repeat"]
            if self.rows > settings.IMPORT_MAX_ROWS + 1:  # the header and the data rows
                raise _too_many_rows()
            if self.total > MAX_EXPANDED_CHARS:
                raise ImportFileError(
                    "Une fois ses cellules répétées développées, le classeur dépasserait "
                    f"{thousands(MAX_EXPANDED_CHARS)} caractères : il est refusé."
                )


def _check_ods_expansion(archive):
    parser = defusedxml.sax.make_parser()
    parser.forbid_dtd = True
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(_OdsExpansion())
    try:
        with archive.open("content.xml") as part:
            while chunk := part.read(XML_CHUNK_BYTES // 16):
                parser.feed(chunk)
            parser.close()
    except _FirstTableRead:
        return
    except ImportFileError:
        raise
    except DefusedXmlException as error:
        raise ImportFileError(
            "Le classeur contient des déclarations XML interdites (DTD ou entités) : il est refusé."
        ) from error
    except (KeyError, xml.sax.SAXException, zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ImportFileError("Le classeur ODS est endommagé ou illisible : enregistrez-le à nouveau.") from error


# ---------------------------------------------------------------- size


# ---------------------------------------------------------------- reading


def read_upload(upload):
    """The rows of the first sheet (or of the CSV) as a Table; empty rows are left out."""
    readers = {CSV: _read_csv, XLSX: _read_xlsx, ODS: _read_ods}
    headers, rows, description = readers[upload.format](upload.content)
    headers = list(headers)
    while headers and str(headers[-1]).strip() == "":
        headers.pop()
    if not headers or not any(str(h).strip() for h in headers):
        raise ImportFileError("La première ligne du fichier doit porter les noms des colonnes.")
    if len(headers) > MAX_COLUMNS:
        raise _too_many_columns()
    return Table(headers=[str(h or "").strip() for h in headers], rows=rows, description=description)


def read_file(name, content):
    return read_upload(check_upload(name, content))


def _too_many_rows():
    return ImportFileError(
        f"Le fichier dépasse le nombre maximal de lignes accepté ({thousands(settings.IMPORT_MAX_ROWS)}) : "
        "découpez-le en plusieurs fichiers."
    )


def _clean_cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


def _collect(raw_rows, *, quoted=False):
    """Header (the first non-empty row) and data rows with their row numbers; a cell longer than
    MAX_CELL_CHARS refuses the file (in a CSV whose fields are `quoted`, a cell that runs over
    several lines may come from a quote left open)."""
    headers = None
    rows = []
    for line, raw in raw_rows:
        cells = tuple(_clean_cell(v) for v in raw)
        for column, value in enumerate(cells, start=1):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise _cell_too_long(line, column, open_quote=quoted and "\n" in value)
        if not any(c != "" for c in cells):
            continue
        if headers is None:
            headers = list(cells)
            continue
        rows.append(Row(line, cells))
        if len(rows) > settings.IMPORT_MAX_ROWS:
            raise _too_many_rows()
    return headers or [], rows


def _decode_csv(content):
    if b"\x00" in content:
        raise ImportFileError(
            "Le fichier n'est pas un texte CSV (il contient des caractères nuls) : enregistrez-le en « CSV UTF-8 »."
        )
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError as error:
            raise ImportFileError("Le fichier annonce l'encodage UTF-8 mais n'est pas lisible ainsi.") from error
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise ImportFileError(
            "L'encodage du fichier n'est pas reconnu : enregistrez-le en « CSV UTF-8 » depuis votre tableur."
        ) from error


def _delimiter(text):
    """The separator of the header line: the most frequent of ; , and tab outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(content):
    text, encoding = _decode_csv(content)
    delimiter = _delimiter(text)
    # The csv module refuses a field beyond its limit (128 KiB by default) with the same error as
    # a broken quote: let it read any field the file can hold, and say which cell is too long.
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers, rows = _collect(((number, raw) for number, raw in enumerate(reader, start=1)), quoted='"' in text)
    except csv.Error as error:
        raise ImportFileError(
            f"Le CSV est mal formé vers la ligne {reader.line_num} (guillemet non fermé ?)."
        ) from error
    return headers, rows, f"CSV, séparateur {DELIMITERS[delimiter]}, encodage {encoding}"


def _unreadable(error, label):
    """The French message for a workbook a parser gave up on; defusedxml's refusals, which
    openpyxl wraps in its own errors, say so."""
    cause = error
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return ImportFileError(
                "Le classeur contient des déclarations XML interdites (DTD ou entités) : il est refusé."
            )
        cause = cause.__cause__ or cause.__context__
    return ImportFileError(f"Le classeur {label} est endommagé ou illisible : enregistrez-le à nouveau.")


def _read_xlsx(content):
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types on a damaged file
        raise _unreadable(error, "Excel") from error
    try:
        if not workbook.worksheets:
            raise ImportFileError("Le classeur ne contient aucune feuille.")
        sheet = workbook.worksheets[0]
        raw_rows = (
            (number, row[: MAX_COLUMNS + 1])
            for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        )
        headers, rows = _collect(raw_rows)
    except ImportFileError:
        raise
    except Exception as error:
        raise _unreadable(error, "Excel") from error
    finally:
        workbook.close()
    return headers, rows, f"classeur Excel, feuille « {sheet.title} »"


# ---------------------------------------------------------------- ODS

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
T_TABLE, T_ROW, T_CELL, T_COVERED = (
    f"{{{TABLE_NS}}}{n}" for n in ("table", "table-row", "table-cell", "covered-table-cell")
)
T_P, T_S, T_TAB, T_BREAK = (f"{{{TEXT_NS}}}{n}" for n in ("p", "s", "tab", "line-break"))
A_ROWS_REPEATED = f"{{{TABLE_NS}}}number-rows-repeated"
A_COLS_REPEATED = f"{{{TABLE_NS}}}number-columns-repeated"
A_VALUE_TYPE = f"{{{OFFICE_NS}}}value-type"
A_VALUE = f"{{{OFFICE_NS}}}value"
A_DATE = f"{{{OFFICE_NS}}}date-value"
A_BOOLEAN = f"{{{OFFICE_NS}}}boolean-value"
A_SPACES = f"{{{TEXT_NS}}}c"


def _ods_text(element):
    parts = []

    def walk(node):
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == T_S:  # bounded, though the checks refused longer cells already
                parts.append(" " * min(int(child.get(A_SPACES, "1") or 1), MAX_CELL_CHARS + 1))
            elif child.tag == T_TAB:
                parts.append("\t")
            elif child.tag == T_BREAK:
                parts.append("\n")
            else:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    paragraphs = []
    for paragraph in element.iter(T_P):
        parts = []
        walk(paragraph)
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def _ods_value(cell):
    kind = cell.get(A_VALUE_TYPE)
    if kind in ("float", "percentage", "currency"):
        raw = cell.get(A_VALUE, "")
        try:
            number = float(raw)
        except ValueError:
            return _ods_text(cell)
        return int(number) if number.is_integer() else number
    if kind == "date":
        raw = cell.get(A_DATE, "")
        try:
            return datetime.date.fromisoformat(raw[:10])
        except ValueError:
            return _ods_text(cell)
    if kind == "boolean":
        return cell.get(A_BOOLEAN) == "true"
    return _ods_text(cell)


def _ods_rows(content_xml):
    """(row number, cells) of the first table, streamed; repeated empty rows and trailing empty
    cells are not materialised (a sheet may declare a million empty rows)."""
    number = 0
    cells = []
    depth = 0
    for event, element in iterparse(content_xml, events=("start", "end"), forbid_dtd=True):
        if element.tag == T_TABLE:
            if event == "start":
                depth += 1
                continue
            return
        if depth == 0 or event == "start":
            continue
        if element.tag in (T_CELL, T_COVERED):
            repeat = int(element.get(A_COLS_REPEATED, "1") or 1)
            value = _ods_value(element) if element.tag == T_CELL else ""
            room = MAX_COLUMNS + 1 - len(cells)
            if room > 0:
                cells.extend([value] * min(repeat, room))
            element.clear()
        elif element.tag == T_ROW:
            repeat = int(element.get(A_ROWS_REPEATED, "1") or 1)
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                for _ in range(min(repeat, settings.IMPORT_MAX_ROWS + 2)):
                    number += 1
                    yield number, cells
            else:
                number += repeat
            cells = []
            element.clear()


def _read_ods(content):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        with archive.open("content.xml") as content_xml:
            headers, rows = _collect(_ods_rows(content_xml))
    except ImportFileError:
        raise
    except Exception as error:
        raise _unreadable(error, "ODS") from error
    return headers, rows, "classeur OpenDocument"
