"""A read-only API for analysts (``/api/v1/``): per-user tokens, a study's metadata, its
instrument, its responses (JSON pages or CSV) and its codebook, described by OpenAPI.

Tokens (:mod:`.tokens`) are issued and revoked on the staff page ``/api/tokens/``
(:mod:`.pages`); the endpoints (:mod:`.views`) and their description (:mod:`.spec`) are made
from one table of routes.  A token reads what its owner may read on the web, with the same
permissions as the exports (:mod:`readiness.web.accounts.permissions`); every call is written to
the audit log.
"""
