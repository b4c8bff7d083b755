"""The PDF: the report's HTML printed by WeasyPrint, which fetches nothing from any host."""

from __future__ import annotations

from pathlib import Path

from readiness.errors import ReadinessError
from readiness.tabular import atomic_write


class FetchRefused(ReadinessError):
    """The document asked for a resource other than a ``data:`` URL."""


def require_weasyprint() -> None:
    """Check that WeasyPrint can be imported: it is the optional 'pdf' extra of the package."""
    try:
        import weasyprint  # noqa: F401
    except ImportError as err:
        raise ReadinessError(
            "writing a PDF needs WeasyPrint, which is not installed. Fix: install the 'pdf' "
            "extra (pip install 'readiness[pdf]'), or write HTML instead."
        ) from err


def data_only_fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and refuses everything else (no
    http, https, ftp or file), stopping the rendering: a report is self-contained, so a request
    for anything else is a bug to hear about.  ``fetcher.refused`` lists what was asked for."""
    require_weasyprint()
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, fail_on_errors=True)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not str(url).startswith("data:"):
                self.refused.append(str(url))
                raise FetchRefused(
                    f"the report asked for {url!r}; a report fetches nothing but data: URLs. "
                    "Fix: inline the resource."
                )
            return super().fetch(url, headers)

    return DataOnlyFetcher()


def write_pdf(html: str, path: str | Path) -> None:
    """Print ``html`` (from :func:`readiness.report.render_html`) to a PDF at ``path``.

    The file is written atomically (:func:`readiness.tabular.atomic_write`): a failure leaves
    any earlier file in place and nothing half-written.  Nothing but ``data:`` URLs is fetched;
    a document that asks for anything else raises :class:`ReadinessError`, as does a missing
    WeasyPrint (the 'pdf' extra).
    """
    require_weasyprint()
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    try:
        document = HTML(string=html, url_fetcher=data_only_fetcher()).render()
    except FatalURLFetchingError as err:
        raise FetchRefused(f"{path}: not written: {err.__cause__ or err}") from err

    def write(tmp: Path) -> None:
        document.write_pdf(str(tmp))

    atomic_write(Path(path), write)


__all__ = ["FetchRefused", "data_only_fetcher", "require_weasyprint", "write_pdf"]
