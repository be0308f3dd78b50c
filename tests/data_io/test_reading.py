"""Parsing CSV files: BOM, separators, line numbers."""

from pathlib import Path

import pytest

from app.data_io import CsvFormatError, read_csv

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"


def test_a_bom_and_semicolons_are_recognised():
    table = read_csv((FIXTURES / "customers_bom_semicolon.csv").read_bytes())
    assert table.delimiter == ";" and table.header[0] == "customer_id"
    assert table.rows[1][1]["first_name"] == "María José"


def test_a_quoted_semicolon_stays_in_its_cell():
    table = read_csv((FIXTURES / "customers_bom_semicolon.csv").read_bytes())
    assert table.rows[2][1]["last_name"] == "Peña; hijo"


def test_commas_are_recognised_without_a_bom():
    table = read_csv((FIXTURES / "customers_comma.csv").read_bytes())
    assert table.delimiter == "," and table.rows[0][1]["name"] == "Carlos Mendoza"


def test_line_numbers_count_the_header_and_skip_blank_lines():
    table = read_csv(b"customer_id\nA\n\nB\n")
    assert [line for line, _ in table.rows] == [2, 4]


def test_a_multiline_cell_keeps_the_line_where_its_row_starts():
    table = read_csv(b'customer_id,first_name\nA,"two\nlines"\nB,x\n')
    assert [line for line, _ in table.rows] == [2, 4]


def test_headers_are_normalised():
    assert read_csv(b" Customer ID ;Email\nA;b@c.ec\n").header == ["customer_id", "email"]


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(CsvFormatError, match="UTF-8"):
        read_csv("customer_id;first_name\nA;Peña\n".encode("latin-1"))


def test_a_repeated_column_is_refused():
    with pytest.raises(CsvFormatError, match="twice"):
        read_csv(b"email,email\na,b\n")


def test_an_empty_file_is_refused():
    with pytest.raises(CsvFormatError, match="empty"):
        read_csv(b"\xef\xbb\xbf\n")


def test_trailing_empty_columns_are_ignored():
    table = read_csv(b"customer_id;email;\nA;a@b.ec;\n")
    assert table.header == ["customer_id", "email"] and table.rows[0][1] == {"customer_id": "A", "email": "a@b.ec"}
