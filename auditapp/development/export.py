"""Export the development list as CSV or Excel: pure functions, no Flask, no database.

The caller builds one :class:`ExportRow` per item, in list order, and gets bytes back
to send as a download.

Columns are a contract. :data:`COLUMNS` holds stable keys, not translated labels, and
consumers (spreadsheets, scripts, imports into other tools) rely on both their names
and their positions. A new column is only ever appended at the end; no column is
renamed, reordered or removed. Empty values are written as empty cells, never dropped.

Cells are made safe to open in a spreadsheet (OWASP, "CSV Injection"): a string that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
single quote, so a title such as ``=HYPERLINK(...)`` is shown as text instead of run
as a formula. Only strings are touched: a negative *number* stays a number. NUL
characters are removed everywhere.

- **CSV** is UTF-8 with a byte order mark, so Excel shows "ä" and "ö" right, with
  ``\\r\\n`` line ends (RFC 4180). Dates and times are ISO 8601; an aware time is
  given in UTC with its ``+00:00`` offset. ``None`` is an empty field.
- **Excel** (.xlsx) has one sheet, "Development list". Numbers are numbers, dates and
  times are real date cells (Excel has no time zones: an aware time is converted to
  UTC and written without its zone). Every string cell is stored as a string, never
  as a formula or an error value, on top of the quote prefix. XML cannot hold the
  other control characters (U+0001 to U+001F except tab, line feed and carriage
  return), so they are dropped from Excel cells; the CSV keeps them. XML also reads
  a carriage return back as a line feed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

V = TypeVar("V")

#: Stable column keys, in file order. Append only: never rename, reorder or remove.
COLUMNS: tuple[str, ...] = (
    "rank",
    "id",
    "title",
    "status",
    "priority",
    "severity",
    "audits_seen",
    "criticality",
    "effort",
    "owner",
    "due_date",
    "journey",
    "stage",
    "channel",
    "touchpoint",
    "created",
    "updated",
)

#: Name of the one worksheet in the Excel file.
SHEET_TITLE = "Development list"

#: A string starting with one of these is read as a formula by spreadsheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportRow:
    """One item of the development list; attributes in :data:`COLUMNS` order."""

    rank: int
    id: int
    title: str
    status: str
    priority: float
    severity: int
    audits_seen: int
    criticality: int
    effort: str | None
    owner: str | None
    due_date: date | None
    journey: str | None
    stage: str | None
    channel: str | None
    touchpoint: str | None
    created: datetime | None
    updated: datetime | None

    def values(self) -> tuple[object, ...]:
        """Return the attribute values in :data:`COLUMNS` order."""
        return tuple(getattr(self, name) for name in COLUMNS)


def neutralise(value: V) -> V | str:
    """Return ``value`` safe to put in a spreadsheet cell.

    A string loses its NUL characters and, when it then starts with a character a
    spreadsheet reads as the start of a formula, gets a leading ``'``. A ``str``
    subclass such as a ``StrEnum`` comes back as a plain ``str``. Anything else
    (numbers, dates, ``None``) is returned unchanged.
    """
    if not isinstance(value, str):
        return value
    text = str(value).replace("\x00", "")
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _utc(value: datetime) -> datetime:
    """Return an aware datetime in UTC; a naive one is taken as UTC already."""
    return value if value.tzinfo is None else value.astimezone(UTC)


def _csv_field(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def to_csv(rows: Iterable[ExportRow]) -> bytes:
    """Return the rows as CSV: UTF-8 with BOM, a header row of :data:`COLUMNS`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_field(value) for value in row.values()])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
        cell = WriteOnlyCell(sheet, value=text)
        # openpyxl infers a formula from a leading "=" and an error value from
        # "#N/A" and the like; a string cell is stored as text whatever it holds.
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime) and value.tzinfo is not None:
        return _utc(value).replace(tzinfo=None)
    return value


def to_xlsx(rows: Iterable[ExportRow]) -> bytes:
    """Return the rows as an .xlsx workbook with a header row of :data:`COLUMNS`.

    The workbook is written in openpyxl's write-only mode, so rows are streamed to
    the file instead of being held as a sheet in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append([_xlsx_cell(sheet, name) for name in COLUMNS])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row.values()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
