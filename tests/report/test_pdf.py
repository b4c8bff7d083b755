"""The PDF: printed from the report's HTML by WeasyPrint, with content on every page, fetching
nothing from any host, written atomically."""

from __future__ import annotations

import shutil
import socket
import subprocess

import numpy as np
import pytest
from PIL import Image

from readiness.report import write_pdf
from readiness.report.pdf import FetchRefused

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def demo_pdf(demo_html, tmp_path_factory, request):
    """The demo report as PDF, printed while any attempt to open a network connection fails."""
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"the PDF tried to connect: {args}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        write_pdf(demo_html, path)
    assert attempts == []
    return path


def pages_as_images(pdf, tmp_path, resolution=30):
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    return sorted(tmp_path.glob("page-*.png"))


def test_every_page_of_the_demo_report_has_content(demo_pdf, tmp_path):
    assert demo_pdf.read_bytes()[:5] == b"%PDF-"
    pages = pages_as_images(demo_pdf, tmp_path)
    assert 12 <= len(pages) <= 35  # Table 7, every question, takes about ten
    for page in pages:
        grey = np.asarray(Image.open(page).convert("L"), dtype=float)
        inked = (grey < 200).mean()
        assert inked > 0.005, f"{page.name} is blank ({inked:.4f} of pixels inked)"


def test_the_figure_pages_carry_the_figures(demo_pdf, tmp_path):
    """The pages after 'Figures' have large areas of colour: the heat map's blues and the
    Likert bars' orange and purple."""
    pages = pages_as_images(demo_pdf, tmp_path, resolution=25)
    saturation = []
    for page in pages:
        rgb = np.asarray(Image.open(page).convert("RGB"), dtype=float)
        spread = rgb.max(axis=2) - rgb.min(axis=2)
        saturation.append((spread > 60).mean())
    coloured = [s for s in saturation if s > 0.05]
    assert len(coloured) >= 2, saturation


def test_the_pdf_fetches_nothing_but_data_urls(tmp_path):
    path = tmp_path / "external.pdf"
    path.write_bytes(b"earlier")
    html = '<html><body><p>x</p><img src="https://example.org/logo.png" alt=""></body></html>'
    with pytest.raises(FetchRefused, match="example.org"):
        write_pdf(html, path)
    assert path.read_bytes() == b"earlier"  # the earlier file is left as it was
    assert [p.name for p in tmp_path.iterdir()] == ["external.pdf"]  # nothing half-written
    local = '<html><body><img src="file:///etc/hostname" alt=""></body></html>'
    with pytest.raises(FetchRefused):
        write_pdf(local, tmp_path / "local.pdf")
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    write_pdf(f'<html><body><p>ok</p><img src="{pixel}" alt=""></body></html>', tmp_path / "d.pdf")
    assert (tmp_path / "d.pdf").read_bytes()[:5] == b"%PDF-"
