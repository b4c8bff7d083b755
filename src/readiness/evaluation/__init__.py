"""Training evaluation: pre, post and follow-up waves, linked anonymously, analysed as pairs.

- :mod:`readiness.evaluation.linkage`: the self-generated code (SGIC) digests and the
  one-to-one linking of two waves, with the linkage report.
- :func:`evaluate`: the paired analysis (linkage flow, attrition check, knowledge items,
  scales, indicators, items still poorly known, retention, three waves, then-test), with the
  conventions it follows and small cells flagged for suppression.
- :func:`read_wave`: a response file with a link column.

The core never imports Django; the web application builds its waves on these functions.
"""

from readiness.evaluation.analysis import DEFAULT_PRIMARY, POORLY_KNOWN_BELOW, evaluate
from readiness.evaluation.linkage import (
    SGIC_ELEMENT_IDS,
    SGIC_ELEMENTS,
    Link,
    Linkage,
    Record,
    SgicElement,
    SgicError,
    link_waves,
    sgic_digests,
)
from readiness.evaluation.read import read_wave
from readiness.evaluation.results import (
    BinaryChange,
    EvaluationResult,
    LinkageFlow,
    ScaleChange,
    Share,
)

__all__ = [
    "DEFAULT_PRIMARY",
    "POORLY_KNOWN_BELOW",
    "SGIC_ELEMENTS",
    "SGIC_ELEMENT_IDS",
    "BinaryChange",
    "EvaluationResult",
    "Link",
    "Linkage",
    "LinkageFlow",
    "Record",
    "ScaleChange",
    "SgicElement",
    "SgicError",
    "Share",
    "evaluate",
    "link_waves",
    "read_wave",
    "sgic_digests",
]
