"""The one rule of every CSV export against formula injection, and its inverse on import."""

import pytest

from app.data_io.cells import CsvLines, neutralise, restore


@pytest.mark.parametrize("text", ["=1+2", "+593991234567", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Ana", "", "a=b", " =x", 15000, None])
def test_other_cells_are_left_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("text", ["=x", "'=x", "''=x", "'x", "''", "'", "x", "", "-", "'-"])
def test_restore_undoes_neutralise_for_every_text(text):
    assert restore(neutralise(text)) == text


def test_a_hand_written_apostrophe_before_plain_text_is_kept():
    assert restore("'Tito") == "'Tito"


def test_lines_are_crlf_terminated_and_quoted_where_needed():
    assert CsvLines(";").rows([["=a;b", "x"]]) == "\"'=a;b\";x\r\n"
