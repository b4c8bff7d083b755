"""The Jinja2 environment of our pages: our templates, then the NHS.UK frontend macros."""

from __future__ import annotations

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    select_autoescape,
)


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    loader = options.pop("loader", None)
    dirs = [str(d) for d in settings.TEMPLATES[0]["DIRS"]]
    options["loader"] = ChoiceLoader(
        [loader or FileSystemLoader(dirs), PackageLoader("nhsuk_frontend_jinja", "templates")]
    )
    options.setdefault("autoescape", select_autoescape(default=True))
    # The NHS.UK macros, ported from Nunjucks, read attributes of absent parameters
    # (params.formGroup.classes): Nunjucks' leniency is Jinja's ChainableUndefined.
    options["undefined"] = ChainableUndefined
    options["trim_blocks"] = True
    options["lstrip_blocks"] = True
    env = Environment(**options)
    env.globals.update(
        {
            "url": url,
            "static": static,
            # Read at render time: the NHS logo shows only for an NHS organisation.
            "nhs_organisation": lambda: settings.READINESS_NHS_ORGANISATION,
            "service_name": settings.READINESS_SERVICE_NAME,
        }
    )
    return env
