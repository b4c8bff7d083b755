"""Figures readable in greyscale and by colour-blind readers, deterministic, safe to inline."""

from __future__ import annotations

import re

import numpy as np

from readiness.report.figures import (
    _likert_colours,
    _luminance,
    _sequential,
    accessible_svg,
    build_figures,
)
from readiness.report.suppression import plan_for


def test_the_heat_map_palette_gets_darker_all_the_way_so_greyscale_keeps_the_order():
    cmap = _sequential()
    lum = [_luminance(cmap(x)) for x in np.linspace(0, 1, 101)]
    assert all(b < a for a, b in zip(lum, lum[1:], strict=False))
    assert lum[0] / lum[-1] > 15  # from near white to near black


def test_likert_colours_are_orange_against_purple_and_lighter_towards_the_middle():
    colours = _likert_colours(5)
    lum = [_luminance(c) for c in colours]
    assert lum[0] < lum[1] < lum[2] and lum[4] < lum[3] < lum[2]  # lightness, not hue, orders
    r, g, b = colours[0][:3]
    assert r > b  # disagree: orange
    r, g, b = colours[4][:3]
    assert b > g  # agree: purple (a pair colour-blind readers tell apart)


def test_figures_are_deterministic_and_their_ids_are_their_own(demo_result, survey):
    plan = plan_for(demo_result)
    first = build_figures(demo_result, survey, plan)
    second = build_figures(demo_result, survey, plan)
    assert [f.svg for f in first] == [f.svg for f in second]
    for fig in first:
        ids = re.findall(r'\bid="([^"]+)"', fig.svg)
        assert ids and all(i.startswith(f"{fig.id}-") for i in ids)
        for ref in re.findall(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"", fig.svg):
            target = ref[0] or ref[1]
            assert target in ids
        assert "<?xml" not in fig.svg and "<metadata" not in fig.svg and "<image" not in fig.svg
        assert "font-family: Arial" in fig.svg or "font: " in fig.svg


def test_accessible_svg_adds_role_title_and_description():
    svg = (
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10pt" '
        'height="5pt" viewBox="0 0 10 5"><defs><clipPath id="p1"></clipPath></defs>'
        '<g clip-path="url(#p1)"><text>A & B</text></g></svg>'
    )
    out = accessible_svg(svg, "figure-9", "A < B", "Desc & more")
    assert out.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in out and 'aria-labelledby="figure-9-title figure-9-desc"' in out
    assert '<title id="figure-9-title">A &lt; B</title>' in out
    assert '<desc id="figure-9-desc">Desc &amp; more</desc>' in out
    assert 'id="figure-9-p1"' in out and "url(#figure-9-p1)" in out
