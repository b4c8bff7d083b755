"""XLSForm (ODK, KoboToolbox): read XLSForms as instruments, write instruments as XLSForms.

An XLSForm is a spreadsheet with the sheets ``survey`` (``type``, ``name``, ``label``, ``hint``,
``required``, ``relevant``, ``constraint``, ``appearance``, ...), ``choices`` (``list_name``,
``name``, ``label``) and ``settings`` (``form_title``, ``form_id``, ``version``).

Files: ``.xlsx``, ``.xls`` and pyxform's CSV layout (a sheet's name in the first column, then
its header and rows), read as pyxform 4.5.0 reads them (:mod:`.xlsform_sheets`). Written as
``.xlsx``. How questions and settings map (both ways unless the row says otherwise):

========================================  =======================================================
XLSForm                                   Readiness
========================================  =======================================================
begin group / end group                   section (``relevant`` on the group is the section's
                                          condition; a group inside a group becomes a section
                                          of its own, and both conditions apply)
questions outside any group               a section marked as not a group, written back
                                          without a group (ODK's data paths are unchanged)
a name used again in another group       renamed GROUP_NAME (an item id is unique), reported
(ODK allows it)
select_one LIST (also ``select one from   single_choice; **likert** when ``appearance`` holds
LIST``, ``select1``); list names are      ``likert`` and every code is a whole number, or when
case-sensitive                            ``readiness::type`` says so; choice names may hold
                                          spaces and symbols
select_multiple LIST (also ``select all   multiple_choice
that apply from LIST``)
integer / decimal                         number; ``constraint`` ``. >= a and . <= b`` gives min
                                          and max
range (``parameters`` start, end, step)   number with min and max and appearance ``slider``
                                          (whole numbers when all three are; a step other than
                                          1 is reported)
text                                      text
date / time / dateTime                    date / time / datetime
date with appearance ``month-year``       month_year (ODK stores a full date: see the warning)
note                                      note (``readiness::type intro``: its section's intro)
calculate with ``if(COND, 1, 0)``         calculate with ``calculation`` COND (any expression
                                          the relevant reader maps); a bare COND is read with a
                                          warning (ODK stores true/false); others not mapped,
                                          item by item
hidden                                    a hidden text item (``readiness::type`` makes it a
                                          hidden number or single choice)
appearance                                kept as written (``minimal`` is ODK's dropdown)
constraint_message                        constraint_message (the message Readiness writes for a
                                          range when an item has none is not read back)
label / hint / constraint_message in      every language kept: the default language's texts are
languages (``label::English (en)``,       the items' own, the others translations (tag from the
``label:English``)                        parentheses, else from the name; ``und-x-NAME`` if
                                          unknown); choice labels likewise
settings default_language                 the default language (else the unlabelled columns,
                                          else the first language, with a warning)
settings allow_choice_duplicates          a repeated choice name is left out with a warning
                                          (its answers cannot be told apart), not refused
settings form_id, version, form_title     id, version, title
guidance_hint, required_message, media,   not kept, each named (per column or per row)
choice_filter and other columns
settings style, instance_name, ...        not kept, each named
repeats, geopoint / geotrace / geoshape,  not mapped, each question named
image / audio / video / file, barcode,
rank, external selects, metadata (start,
end, deviceid, ...)
ENTITIES sheet                            not mapped, named
(writing) a section with ``group: false``  questions outside any group (its condition, if any,
                                          cannot be written: named)
(writing) translated title, description,  not written, named (an XLSForm holds them in one
notice, explanations; a constraint        language; a message needs a range to check)
message without a range
========================================  =======================================================

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
