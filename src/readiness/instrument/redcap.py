"""REDCap data dictionaries: read them as instruments, write instruments as them.

A REDCap data dictionary is a CSV file, one row per field. Two forms are read, each with
either header style:

* the 18-column form of current REDCap, with the designer's headers ("Variable / Field Name",
  ..., "Matrix Group Name", "Matrix Ranking?", "Field Annotation") or the API's (``field_name``,
  ..., ``matrix_group_name``, ``matrix_ranking``, ``field_annotation``);
* the 16-column form of older REDCap, which ends at "Matrix Group Name": it lacks the last two
  columns, "Matrix Ranking?" and "Field Annotation". (Checked against public readers of older
  exports: chop-dbhi/origins reads a 16-field dictionary ending in ``matrix_group_name``; the
  NLM CDE repository's exporter writes 17 columns, adding "Matrix Ranking?" but not "Field
  Annotation", and a 17-column file is read too.) Without "Field Annotation" there are no
  action tags, so a 16-column file carries none of our ``@READINESS-...`` tags.

Columns are found by their header, not their position.

How fields map (and the rule for Likert items):

==========================  ===================================================================
REDCap                      Readiness
==========================  ===================================================================
form                        its sections (``Section.form``); the first section of a form is
                            titled by its first Section Header, and each later Section Header
                            starts a new section (``<form>_2``, or the id in
                            ``@READINESS-SECTION``). Written back, sections are section
                            headers within their form; an instrument's sections that name no
                            form share one, named after the instrument
first field (text)          REDCap's record identifier: not an item (it is the response id);
                            its name is kept (``Instrument.record_id``), its label, note and
                            validation are not (reported); a Section Header on it titles the
                            first section
first field (not text)      a question, read as an item (REDCap's record identifier must be a
                            text field); written back, ``record_id`` comes before it
``NA`` cell                 empty (as R's write.csv writes an empty value)
radio                       single_choice; **likert** when the annotation says
                            ``@READINESS-TYPE=likert``, or when the field is a radio in a
                            matrix group whose codes are all whole numbers (REDCap's matrix is
                            its Likert grid; a warning says the rule was applied)
dropdown                    single_choice (or likert) with appearance ``dropdown``; with the
                            validation ``autocomplete``, appearance ``autocomplete``
radio + ``@READINESS-TYPE=true_false``  true_false (1 True, 0 False, 8 Don't know), with
                            ``@READINESS-KEY``, ``@READINESS-EXPLANATION``, ``@READINESS-SOURCE``
truefalse                   single_choice (1 True, 0 False) with a warning: REDCap's true-false
                            has no "don't know" and no answer key
checkbox                    multiple_choice
yesno                       yes_no
text (integer / number*)    number, with Text Validation Min / Max (``number_1dp`` and the
                            like: a plain number, with a warning)
text (date_ymd, _dmy, _mdy) date (ISO 8601); written back as ``date_ymd`` (the display order
                            of _dmy / _mdy is named as not kept)
text (time, time_hh_mm_ss)  time; written back as ``time``
text (datetime_*,           datetime; written back as ``datetime_ymd``
datetime_seconds_*)
text (time_mm_ss, email,    text, the validation named as not kept
other validations)
text                        text; ``@READINESS-TYPE=month_year`` makes it month_year
notes                       text with appearance ``multiline``; written back as notes
descriptive                 note, unless ``@READINESS-INTRO`` (then the section's intro)
calc                        calculate when its expression is a condition of earlier fields
                            (``[age] >= 18`` or ``if([age] >= 18, 1, 0)``), written back as
                            ``if(condition, 1, 0)``; any other calc is named as not mapped
slider                      number with appearance ``slider``, min / max from Text Validation
                            Min / Max (REDCap's default 0 and 100); its labels and "show
                            number" are named as not kept
file, signature, sql        not mapped, named field by field
``@READINESS-CONSTRAINT-MESSAGE``  constraint_message (REDCap has no message column)
item id REDCap would not   written as a variable name REDCap accepts: lower-cased, ``v`` before
accept (``Q1_Seen``,        a leading ``_``, made unique (``age_2``), each reported;
``_adult``)                 ``@READINESS-ID`` gives the id back on reading (:func:`redcap_names`
                            gives the mapping)
translations                not written (a dictionary holds the texts of one language),
                            reported language by language; taken from ``base=`` on reading
``@HIDDEN``                 hidden (``@HIDDEN-SURVEY`` too)
Branching Logic             show_if, in the subset of :mod:`readiness.instrument.interop`
==========================  ===================================================================

What a REDCap dictionary cannot hold: **scales**, **indicators** and the **analysis** block
(named as not written; taken from ``base=`` on reading, as translations are). REDCap's calculated fields
compute per record in REDCap's own syntax and have no minimum number of answered items, no
reverse keying of our kind and no published figures, so :func:`write_redcap_dictionary` lists
every scale and indicator in ``unmapped``. :func:`read_redcap_dictionary` takes them from an
original instrument when given one (``base=``); they are validated against the items read and
any that no longer fit are reported. Instrument metadata (id, version, title, language,
language name, description, notice, sources) rides as ``@READINESS-...`` tags on the record
identifier's annotation; a section's own condition as ``@READINESS-SECTION-IF`` on its first row (REDCap
forms have no branching logic, so the written logic of each item also includes it).
"""

from __future__ import annotations

from readiness.instrument.redcap_columns import (
    API_COLUMNS,
    DESIGNER_COLUMNS,
    Annotation,
    parse_annotation,
)
from readiness.instrument.redcap_read import read_redcap_dictionary
from readiness.instrument.redcap_write import (
    record_field,
    redcap_names,
    write_redcap_dictionary,
)

__all__ = [
    "API_COLUMNS",
    "DESIGNER_COLUMNS",
    "Annotation",
    "parse_annotation",
    "read_redcap_dictionary",
    "record_field",
    "redcap_names",
    "write_redcap_dictionary",
]
