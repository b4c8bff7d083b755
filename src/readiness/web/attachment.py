"""The ``Content-Disposition`` header of a download, safe whatever the file's name holds.

A name made from what people type (a site or session code, a study or project name) could
otherwise close the quoted ``filename`` and add parameters, or carry characters a header cannot.
The header gives a plain ASCII name (letters, digits, ``.``, ``_`` and ``-``) and the exact name
in UTF-8 (RFC 6266 and RFC 5987), which browsers prefer.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_name(name: str, default: str = "download") -> str:
    """The name in letters, digits, dots, underscores and hyphens (accents dropped, anything else
    a hyphen), without leading dots, at most 150 characters, keeping its suffix."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = _UNSAFE.sub("-", plain).strip(".-") or default
    if len(plain) > 150:
        stem, dot, suffix = plain.rpartition(".")
        plain = (
            (stem[: 149 - len(suffix)] + dot + suffix) if dot and len(suffix) < 10 else plain[:150]
        )
    return plain


def attachment(name: str) -> str:
    """``attachment; filename*=UTF-8''<the name, percent-encoded>; filename="<ascii name>"``
    (browsers that know ``filename*`` use it; the others the ASCII name)."""
    exact = "".join(ch for ch in name if ch.isprintable()) or ascii_name(name)
    return f"attachment; filename*=UTF-8''{quote(exact, safe='')}; filename=\"{ascii_name(name)}\""
