"""Responses as data: one row per response, one column per item, stored codes.

A response file is a table (CSV, XLSX, SPSS ``.sav`` or Stata ``.dta``) with one row per
response and one column per item, named by the item's id, holding the item's stored codes
(see :mod:`readiness.instrument.model`): ``1``/``0`` for yes/no; ``1``/``0``/``8`` for
true/false/don't know; ``1``..``k`` for Likert points; the selected codes separated by spaces
for multiple choice (``"1 3"``; commas are accepted on reading); ``YYYY-MM`` for month-year.
Beside the items a file may hold the columns ``response_id``, ``instrument_id``,
``instrument_version``, ``session``, ``completed_on`` (ISO 8601 date) and ``synthetic``
(1/0).  An empty cell is an unanswered item; surrounding spaces are ignored.

Reading checks the file against the instrument and reports every problem at once, each with
the row and column:

* errors: columns that are neither items nor the columns above (with the nearest item id
  suggested); codes an item does not have (the valid codes and labels are listed); numbers
  that are not numbers, not whole where the item asks for a whole number, or outside the
  item's minimum and maximum; months not written YYYY-MM; duplicate ``response_id``; an
  ``instrument_id`` or ``instrument_version`` other than the instrument's (a response records
  the version it answered); with ``strict_conditions``, answers to items whose ``show_if``
  condition is false for that response;
* warnings: answers to items whose condition is false (by default: other tools often keep
  stale answers; they are kept, and analyses count only respondents shown the item),
  required items left unanswered, items absent from the file (read as unanswered), rows with
  no value at all (skipped).

REDCap checkbox columns (``formats___1``, ``formats___3``, holding 1/0 or
Checked/Unchecked; a code such as -99 named as REDCap names it, ``race____99``) are accepted
and folded into the item's space-separated form; a response
with no box ticked is unanswered, because REDCap's export cannot tell "none ticked" from "not
answered".

Public API: :func:`read_responses`, :func:`validate_frame`, :func:`write_responses` and
:class:`Responses`; the command line is ``readiness responses validate|convert``.
"""

from readiness.responses.read import Responses, read_responses
from readiness.responses.validate import validate_frame
from readiness.responses.write import write_responses

__all__ = ["Responses", "read_responses", "validate_frame", "write_responses"]
