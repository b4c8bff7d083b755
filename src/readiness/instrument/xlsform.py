"""XLSForm (ODK, KoboToolbox): read XLSForms as instruments, write instruments as XLSForms.

An XLSForm is a spreadsheet with the sheets ``survey`` (``type``, ``name``, ``label``, ``hint``,
``required``, ``relevant``, ``constraint``, ``appearance``, ...), ``choices`` (``list_name``,
``name``, ``label``) and ``settings`` (``form_title``, ``form_id``, ``version``).

How questions map:

=====================================  ==========================================================
XLSForm                                Readiness
=====================================  ==========================================================
begin group / end group                section (``relevant`` on the group is the section's
                                       condition; a group inside a group becomes a section of
                                       its own, and both conditions apply)
select_one                             single_choice; **likert** when ``appearance`` holds
                                       ``likert`` (ODK's rating-scale display) and every code is
                                       a whole number, or when ``readiness::type`` says so
select_multiple                        multiple_choice
integer / decimal                      number; ``constraint`` of the form ``. >= a and . <= b``
                                       gives min and max
text                                   text
date with appearance ``month-year``    month_year (ODK stores a full date: see the warning)
hidden                                 a hidden text item (``readiness::type`` makes it a hidden
                                       number or single choice). pyxform 4.5.0 accepts
                                       ``hidden`` as a bind with no control and no calculation,
                                       so our hidden items are written as ``hidden``;
                                       ``calculate`` needs a calculation and is not mapped
note, calculate, date, time, geopoint  not mapped, each reported
and the other types, repeats
=====================================  ==========================================================

Our own types and fields travel in columns of our own, ``readiness::type`` (``likert``,
``yes_no``, ``true_false``, ``month_year``, ``number`` / ``single_choice`` for hidden items,
``intro`` for a note that is its section's intro), ``readiness::key``, ``readiness::explanation``,
``readiness::source``, ``readiness::list`` (the choice list of a hidden single choice) and
``readiness::integer``. pyxform 4.5.0 accepts a column whose header has an unknown ``prefix::``
and leaves it out of the XForm, so these columns cost ODK nothing (``instance::`` columns would
be added to every submission, and ``bind::`` columns to the form's binds, so neither is used).

Instrument-level data that an XLSForm has no sheet for travels in extra sheets, which pyxform
ignores: ``readiness`` (key / value rows: description, notice, language, sources as JSON, and
the names of the named choice lists as JSON), ``readiness_scales`` and ``readiness_indicators``.
A round trip (ours -> XLSForm -> ours) therefore gives back an equal instrument, conditions in
their canonical form (see :func:`readiness.instrument.interop.canonical_condition`).
"""

from __future__ import annotations

from readiness.instrument.xlsform_read import read_xlsform
from readiness.instrument.xlsform_write import write_xlsform

__all__ = ["read_xlsform", "write_xlsform"]
