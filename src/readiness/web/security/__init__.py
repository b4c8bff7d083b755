"""Security of the web application, in small pieces that each say what they do.

* :mod:`.throttle`: sign-in throttling keyed on the username only (never on an address);
* :mod:`.twofactor`: optional TOTP two-factor authentication for staff (django-otp), required
  for an account, for everyone in a study, or for every account;
* :mod:`.csp`: the content security policy header (no inline script or style on our pages);
* :mod:`.ratelimit`: rate limits on respondent pages, per session link and per resume code
  (never per address);
* the audit log is :mod:`readiness.web.audit`.

Passwords are hashed with Argon2 (``PASSWORD_HASHERS`` in the settings); CSRF is Django's
middleware on every form; cookies are ``Secure`` unless ``READINESS_SECURE=0`` or debug mode.

Privacy: nothing here reads, keeps or logs a client's IP address or user agent.  Throttles and
limits are keyed on what the request names (a username, a session link, a resume code), so
they protect those without recording who sent the request.
"""
