"""Security of the web application, in small pieces that each say what they do.

* :mod:`.throttle`: sign-in throttling keyed on the username only (never on an address);
* :mod:`.twofactor`: optional TOTP two-factor authentication for staff (django-otp), required
  for an account, for everyone in a study, or for every account;
* :mod:`.csp`: the content security policy header (no inline script or style on our pages);
* :mod:`.ratelimit`: rate limits on respondent pages, per client, per session link and per
  resume code;
* :mod:`.digests`: the keyed digests (HMACs) the throttle and the counters keep instead of
  usernames, codes and addresses;
* the audit log is :mod:`readiness.web.audit`.

Passwords are hashed with Argon2 (``PASSWORD_HASHERS`` in the settings); CSRF is Django's
middleware on every form; cookies are ``Secure`` unless ``READINESS_SECURE=0`` or debug mode.

Privacy: nothing here keeps or logs a client's IP address or user agent.  The sign-in throttle
is keyed on the username; the respondent limits read the client's address only to count it,
under a keyed digest that changes every window and is deleted when the window has ended.
"""
