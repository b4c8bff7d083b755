"""Keyed digests: what the security tables keep instead of a username, a resume code or an
address.

A plain SHA-256 of a username (or of a 12-character code, or of an IPv4 address) can be
reversed by trying every likely value; an HMAC keyed with a secret that is not in the database
cannot, by someone who holds only a copy of the database.  The key is derived from Django's
``SECRET_KEY`` with a different salt for each purpose, so the digests of one purpose never
match those of another (nor the resume code's own digest, ``Draft.code_digest``).
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac


def keyed(purpose: str, value: str) -> str:
    """The HMAC-SHA256 of ``value`` under the key of ``purpose``, in hex (64 characters)."""
    return salted_hmac(f"readiness.security.{purpose}", value, algorithm="sha256").hexdigest()
