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
    pass_context,
    select_autoescape,
)

from readiness.instrument import interface_words


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


@pass_context
def say(context, text: str, **values) -> str:
    """The service's own words in the page's language (``words`` in the context: Welsh), or
    the English when Readiness has none in it (see readiness.instrument.interface_words)."""
    return interface_words.say(text, context.get("words") or "", **values)


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
            "say": say,
            "static": static,
            # Read at render time: the NHS logo shows only for an NHS organisation.
            "nhs_organisation": lambda: settings.READINESS_NHS_ORGANISATION,
            "service_name": settings.READINESS_SERVICE_NAME,
        }
    )
    return env
