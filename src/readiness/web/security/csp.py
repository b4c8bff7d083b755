"""The content security policy: our pages run only our own scripts and styles.

:class:`ContentSecurityPolicyMiddleware` sets ``Content-Security-Policy`` on every response
that has none.  The policy allows scripts, styles, images and fonts from this site only, with
one exception each way:

* the NHS.UK page template's one inline script (it marks ``<body>`` as ``js-enabled``) runs
  by a nonce, new on every response (``request.csp_nonce``; ``layout.jinja`` passes it to the
  template as ``cspNonce``).  No other inline script or style runs, and none of our templates
  has one (``tests/web/test_security.py`` checks);
* fonts may also come from ``https://assets.nhs.uk``, where the NHS.UK stylesheet's Frutiger
  web font lives (it is licensed for NHS use).  Only a service run by an NHS organisation
  (``READINESS_NHS_ORGANISATION``) uses it; otherwise ``readiness/plain-font.css`` sets Arial
  and browsers fetch nothing from there (``tests/web/test_accessibility.py`` counts the
  requests).  The host stays in the policy either way because Chromium reports every
  ``@font-face`` source the policy forbids, used or not.

Forms may post only to this site, no page may be framed, and ``<base>`` and plug-ins are off.
"""

from __future__ import annotations

import secrets

NHS_FONTS = "https://assets.nhs.uk"


def policy(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self'",
        "img-src": "'self'",
        "font-src": f"'self' {NHS_FONTS}",
        "connect-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Lower-case hex: 128 bits, and never mistaken for a code (codes are upper case).
        request.csp_nonce = secrets.token_hex(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy(request.csp_nonce)
        return response
