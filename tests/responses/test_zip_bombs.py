"""A zip bomb (an XLSX of a few hundred kilobytes that unpacks to many megabytes) is refused
by every reader of survey data and instruments before any of it is unpacked."""

from __future__ import annotations

import tracemalloc

import pytest
from tests.zipbomb import bomb_xlsx

from readiness.errors import ConversionError, ResponsesError
from readiness.instrument import shipped_instrument
from readiness.instrument.xlsform import read_xlsform
from readiness.responses import read_responses
from readiness.safezip import ZipLimits
from readiness.tabular import read_table

MB = 1024 * 1024


def _peak_while(call) -> int:
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = bomb_xlsx(tmp_path_factory.mktemp("bomb") / "responses.xlsx", megabytes=64)
    assert path.stat().st_size < MB
    return path


def test_read_table_refuses_an_xlsx_zip_bomb_before_reading_it(bomb):
    def read():
        with pytest.raises(ResponsesError) as caught:
            read_table(bomb, as_text=True)
        text = str(caught.value)
        assert "responses.xlsx" in text and "zip bomb" in text and "Fix:" in text

    assert _peak_while(read) < 8 * MB


def test_read_responses_refuses_an_xlsx_zip_bomb_before_reading_it(bomb):
    def read():
        with pytest.raises(ResponsesError, match="zip bomb"):
            read_responses(bomb, shipped_instrument())

    assert _peak_while(read) < 8 * MB


def test_read_table_takes_tighter_limits_for_what_an_xlsx_unpacks_to(tmp_path):
    import pandas as pd

    path = tmp_path / "ordinary.xlsx"
    pd.DataFrame({"discipline": [str(i % 5 + 1) for i in range(3000)]}).to_excel(path, index=False)
    assert len(read_table(path, as_text=True)) == 3000
    with pytest.raises(ResponsesError, match=r"unpacks to .* at most 20,000 bytes"):
        read_table(path, as_text=True, zip_limits=ZipLimits(max_total=20_000))


def test_an_xlsform_zip_bomb_is_refused_before_reading_it(bomb):
    def read():
        with pytest.raises(ConversionError, match="zip bomb"):
            read_xlsform(bomb)

    assert _peak_while(read) < 8 * MB
