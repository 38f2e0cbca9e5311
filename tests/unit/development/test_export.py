import csv
import io
import zipfile
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta, timezone

import openpyxl
import pytest

from auditapp.development import export
from auditapp.development.export import (
    COLUMNS,
    SHEET_TITLE,
    ExportRow,
    neutralise,
    to_csv,
    to_xlsx,
)
from auditapp.development.priority import Effort

INJECTIONS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\tcmd", "\rcmd"]
EXPECTED_HEADER = [
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
]


def make_row(**changes):
    row = ExportRow(
        rank=1,
        id=42,
        title="Kassajono on liian pitkä",
        status="open",
        priority=36.0,
        severity=3,
        audits_seen=4,
        criticality=3,
        effort="M",
        owner="Päivi Öhman",
        due_date=date(2025, 3, 31),
        journey="Myymäläkäynti",
        stage="Maksaminen",
        channel="store",
        touchpoint="Kassa",
        created=datetime(2025, 1, 2, 8, 30, tzinfo=UTC),
        updated=datetime(2025, 2, 3, 14, 5, 9, tzinfo=UTC),
    )
    return replace(row, **changes)


def read_csv(data):
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_csv_dicts(data):
    header, *rows = read_csv(data)
    return [dict(zip(header, row, strict=True)) for row in rows]


def read_xlsx(data):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [SHEET_TITLE]
    return list(workbook[SHEET_TITLE].iter_rows())


def xlsx_cell(data, column, row=2):
    return read_xlsx(data)[row - 1][COLUMNS.index(column)]


# --- columns -------------------------------------------------------------------


def test_columns_are_stable():
    assert COLUMNS == tuple(EXPECTED_HEADER)


def test_row_attributes_follow_the_columns():
    assert tuple(field.name for field in fields(ExportRow)) == COLUMNS
    row = make_row()
    assert row.values() == tuple(getattr(row, name) for name in COLUMNS)


def test_csv_header_is_the_columns():
    assert read_csv(to_csv([]))[0] == EXPECTED_HEADER


def test_xlsx_header_is_the_columns():
    (header,) = read_xlsx(to_xlsx([]))
    assert [cell.value for cell in header] == EXPECTED_HEADER


def test_rows_keep_their_order_and_values():
    rows = [make_row(rank=n, id=100 + n, title=f"Asia {n}") for n in (1, 2, 3)]

    csv_rows = read_csv_dicts(to_csv(rows))
    xlsx_rows = read_xlsx(to_xlsx(rows))[1:]

    assert [(r["rank"], r["id"], r["title"]) for r in csv_rows] == [
        ("1", "101", "Asia 1"),
        ("2", "102", "Asia 2"),
        ("3", "103", "Asia 3"),
    ]
    assert [[c.value for c in r[:3]] for r in xlsx_rows] == [
        [1, 101, "Asia 1"],
        [2, 102, "Asia 2"],
        [3, 103, "Asia 3"],
    ]


# --- text ------------------------------------------------------------------------

FINNISH = "Äänekosken ööaukiolo: hyllyistä löytyi vääriä hintoja (Å, å, Š, ž)"


def test_finnish_characters_round_trip_in_csv():
    row = make_row(title=FINNISH, owner="Jyrki Ääripää")

    (parsed,) = read_csv_dicts(to_csv([row]))

    assert parsed["title"] == FINNISH
    assert parsed["owner"] == "Jyrki Ääripää"


def test_finnish_characters_round_trip_in_xlsx():
    data = to_xlsx([make_row(title=FINNISH, owner="Jyrki Ääripää")])

    assert xlsx_cell(data, "title").value == FINNISH
    assert xlsx_cell(data, "owner").value == "Jyrki Ääripää"


def test_str_enum_is_written_as_its_value():
    row = make_row(effort=Effort.L)

    assert read_csv_dicts(to_csv([row]))[0]["effort"] == "L"
    assert xlsx_cell(to_xlsx([row]), "effort").value == "L"


# --- injection -----------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_neutralise_prefixes_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Kassa", "a=b", "3-1", "", "'=already quoted"])
def test_neutralise_leaves_harmless_strings(text):
    assert neutralise(text) == text


@pytest.mark.parametrize(
    "value", [-3, -3.5, 0, None, date(2025, 1, 1), datetime(2025, 1, 1, 12)]
)
def test_neutralise_leaves_other_types_alone(value):
    assert neutralise(value) is value


def test_neutralise_strips_nul_before_checking_the_prefix():
    assert neutralise("Kas\x00sa") == "Kassa"
    assert neutralise("\x00=1+2") == "'=1+2"


@pytest.mark.parametrize("text", INJECTIONS)
def test_csv_neutralises_injection(text):
    row = make_row(title=text, owner=text, touchpoint=text)

    (parsed,) = read_csv_dicts(to_csv([row]))

    assert parsed["title"] == parsed["owner"] == parsed["touchpoint"] == "'" + text


@pytest.mark.parametrize("text", INJECTIONS)
def test_xlsx_neutralises_injection(text):
    data = to_xlsx([make_row(title=text, owner=text, touchpoint=text)])

    for column in ("title", "owner", "touchpoint"):
        cell = xlsx_cell(data, column)
        assert cell.data_type != "f"
        assert cell.data_type == "s"
        # XML reads a bare carriage return back as a line feed; the quote stays first.
        assert cell.value == ("'" + text).replace("\r", "\n")


def test_negative_number_stays_a_number():
    row = make_row(rank=-3, priority=-3.0)

    (parsed,) = read_csv_dicts(to_csv([row]))
    data = to_xlsx([row])

    assert parsed["rank"] == "-3"
    assert parsed["priority"] == "-3.0"
    for column in ("rank", "priority"):
        cell = xlsx_cell(data, column)
        assert cell.data_type == "n"
        assert cell.value == -3


def test_xlsx_never_stores_a_string_as_formula_even_without_the_quote(monkeypatch):
    # The quote prefix is one layer; the cell type is the other. Take the first away
    # and the string must still be stored as text.
    monkeypatch.setattr(export, "neutralise", lambda value: value)

    data = to_xlsx([make_row(title='=HYPERLINK("http://x","y")')])

    cell = xlsx_cell(data, "title")
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet


def test_xlsx_stores_error_codes_as_text():
    cell = xlsx_cell(to_xlsx([make_row(title="#N/A")]), "title")

    assert cell.data_type == "s"
    assert cell.value == "#N/A"


# --- control characters and empty values -----------------------------------------


def test_nul_is_removed_in_csv():
    (parsed,) = read_csv_dicts(to_csv([make_row(title="Kas\x00sa")]))

    assert parsed["title"] == "Kassa"


def test_nul_is_removed_in_xlsx():
    assert xlsx_cell(to_xlsx([make_row(title="Kas\x00sa")]), "title").value == "Kassa"


def test_xlsx_drops_control_characters_xml_cannot_hold():
    data = to_xlsx([make_row(title="Kas\x01sa\x1b", stage="rivi 1\nrivi 2")])

    assert xlsx_cell(data, "title").value == "Kassa"
    assert xlsx_cell(data, "stage").value == "rivi 1\nrivi 2"


OPTIONAL = ("effort", "owner", "due_date", "journey", "stage", "channel", "touchpoint")


def test_none_is_empty_in_csv():
    row = make_row(**dict.fromkeys(OPTIONAL))

    (parsed,) = read_csv_dicts(to_csv([row]))

    assert all(parsed[column] == "" for column in OPTIONAL)
    assert len(parsed) == len(COLUMNS)


def test_none_is_empty_in_xlsx():
    data = to_xlsx([make_row(**dict.fromkeys(OPTIONAL))])

    header, row = read_xlsx(data)
    assert len(row) == len(COLUMNS)
    assert all(xlsx_cell(data, column).value is None for column in OPTIONAL)


# --- dates ---------------------------------------------------------------------


def test_csv_dates_are_iso_8601():
    helsinki = timezone(timedelta(hours=2))
    row = make_row(
        due_date=date(2025, 3, 31),
        created=datetime(2025, 1, 2, 10, 30, tzinfo=helsinki),
        updated=datetime(2025, 2, 3, 14, 5, 9),
    )

    (parsed,) = read_csv_dicts(to_csv([row]))

    assert parsed["due_date"] == "2025-03-31"
    assert parsed["created"] == "2025-01-02T08:30:00+00:00"  # given in UTC
    assert parsed["updated"] == "2025-02-03T14:05:09"


def test_xlsx_dates_are_date_cells():
    helsinki = timezone(timedelta(hours=2))
    row = make_row(
        due_date=date(2025, 3, 31),
        created=datetime(2025, 1, 2, 10, 30, tzinfo=helsinki),
        updated=datetime(2025, 2, 3, 14, 5, 9),
    )
    data = to_xlsx([row])

    due = xlsx_cell(data, "due_date")
    created = xlsx_cell(data, "created")
    assert due.is_date and due.value.date() == date(2025, 3, 31)
    assert due.number_format == "yyyy-mm-dd"
    assert created.is_date and created.value == datetime(2025, 1, 2, 8, 30)
    assert xlsx_cell(data, "updated").value == datetime(2025, 2, 3, 14, 5, 9)


# --- size ----------------------------------------------------------------------


def test_two_thousand_rows_export():
    rows = [
        make_row(rank=n, id=n, title=f"Kitkakohta {n}: jonossa ä ö å")
        for n in range(1, 2001)
    ]

    csv_rows = read_csv(to_csv(rows))
    xlsx_rows = read_xlsx(to_xlsx(iter(rows)))

    assert len(csv_rows) == len(xlsx_rows) == 2001
    assert csv_rows[-1][:2] == ["2000", "2000"]
    assert [cell.value for cell in xlsx_rows[-1][:2]] == [2000, 2000]
