"""Django forms shown with the NHS.UK frontend macros, for every app: a bound field as the
macro that draws it (:func:`nhs_field`), a form's fields drawn (:func:`render_form`), and its
errors for the error summary (:func:`error_list`).

Every error names its field, in the NHS.UK and GOV.UK style ("Enter the date of the session",
"Select the role"): Django's own wording ("This field is required.", "Enter a valid date.") is
replaced where it is drawn (:func:`field_errors`), from the field's label or from the form's
``error_names`` (field name -> how an error names it, "the date of the session").  A date is
asked as the NHS.UK date input, day, month and year in three boxes (:class:`NhsDateField`), and
its errors say which part is wrong.

It imports no app, so that every app may import it.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.template import engines

# The starts of Django's own messages, replaced by ones that name the field.
DJANGO_WORDING = (
    "This field is required",
    "Enter a valid",
    "Enter a whole number",
    "Enter a number",
    "Enter a list of values",
    "Select a valid choice",
    "Ensure this value",
    "Ensure that there are no more than",
    "No file was submitted",
    "The submitted file is empty",
    "Upload a valid image",
)

# The codes of Django's own validation errors (a form's own messages come without one).
DJANGO_CODES = frozenset(
    {
        "required",
        "invalid",
        "invalid_choice",
        "invalid_list",
        "invalid_pk_value",
        "max_length",
        "min_length",
        "max_value",
        "min_value",
        "max_digits",
        "max_decimal_places",
        "max_whole_digits",
        "step_size",
        "missing",
        "empty",
        "invalid_image",
    }
)


def error_name(bound) -> str:
    """How an error names the field: the form's ``error_names`` entry, or "the" and its label
    ("Study name" -> "the study name"); a label that is a question is quoted."""
    names = getattr(bound.form, "error_names", {}) or {}
    if bound.name in names:
        return names[bound.name]
    label = str(bound.label or bound.name.replace("_", " ")).strip().rstrip(":")
    if label.endswith("?"):
        return f"an answer to \u201c{label}\u201d"
    first = label.split(" ", 1)[0]
    lowered = label if first.isupper() and len(first) > 1 else label[:1].lower() + label[1:]
    return lowered if first.lower() in ("the", "your", "a", "an") else f"the {lowered}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _chooses(bound) -> bool:
    return isinstance(bound.field.widget, _CHOICE_WIDGETS | forms.Select | forms.CheckboxInput)


def _named(bound, error: forms.ValidationError) -> str:
    """One error of ``bound`` in words that name the field (Django's defaults replaced)."""
    text = " ".join(str(m) for m in error.messages)
    what = error_name(bound)
    code = error.code or ""
    if "{what}" in text:  # a message of ours that names the field (NhsDateField)
        return _capital(text.replace("{what}", what))
    if code == "unique":
        return f"{_capital(what)} is taken already: choose another"
    if code not in DJANGO_CODES or not text.startswith(DJANGO_WORDING):
        return text  # a form's own message (raised without a code, or with one of its own)
    params = error.params or {}
    if code == "required":
        if isinstance(bound.field.widget, forms.CheckboxInput):
            return f"Tick \u201c{bound.label}\u201d to go on"
        if isinstance(bound.field.widget, forms.FileInput):
            return f"Choose {what} to upload"
        return f"{'Select' if _chooses(bound) else 'Enter'} {what}"
    if code in ("invalid_choice", "invalid_list", "invalid_pk_value"):
        return f"Select {what} from the choices given"
    if code == "max_length":
        return f"{_capital(what)} must be {params.get('limit_value')} characters or fewer"
    if code == "min_length":
        return f"{_capital(what)} must be {params.get('limit_value')} characters or more"
    if code == "max_value":
        return f"{_capital(what)} must be {params.get('limit_value')} or less"
    if code == "min_value":
        return f"{_capital(what)} must be {params.get('limit_value')} or more"
    if code in ("missing", "empty"):
        return f"Choose {what} to upload: the file sent was empty or missing"
    if isinstance(bound.field, forms.IntegerField):
        return f"Enter {what} as a whole number, like 25"
    if isinstance(bound.field, forms.DecimalField | forms.FloatField):
        return f"Enter {what} as a number, like 2.5"
    return f"Enter {what} in the form asked for"


def field_errors(bound) -> list[str]:
    """The field's errors, each naming the field (see :func:`error_name`)."""
    data = bound.form.errors.as_data().get(bound.name, []) if bound.form.is_bound else []
    return [_named(bound, e) for e in data]


_CHOICE_WIDGETS = forms.RadioSelect | forms.CheckboxSelectMultiple


def nhs_field(bound, **extra) -> tuple[str, dict]:
    """(macro name, parameters) of the NHS.UK frontend macro for a Django bound field."""
    widget = bound.field.widget
    params: dict = {"name": bound.html_name}
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    if bound.errors:
        params["errorMessage"] = {"text": ". ".join(field_errors(bound))}
    if isinstance(widget, NhsDateInput):
        macro = "date"
        params.update(_date(bound, params))
    elif isinstance(widget, forms.CheckboxInput):
        macro = "checkboxes"
        params.update(_tick_box(bound, params))
    elif isinstance(widget, _CHOICE_WIDGETS):
        macro = "checkboxes" if isinstance(widget, forms.CheckboxSelectMultiple) else "radios"
        params.update(_choices(bound))
    elif isinstance(widget, forms.Select):
        macro = "select"
        params.update(_select(bound))
    elif isinstance(widget, forms.Textarea):
        macro = "textarea"
        params.update({"id": _id(bound), "label": {"text": str(bound.label)}})
        params["value"] = bound.value() or ""
    else:
        macro = "input"
        params.update(_input(bound))
    return macro, {**params, **extra}


def _id(bound) -> str:
    return bound.auto_id or f"id_{bound.html_name}"


def _tick_box(bound, params: dict) -> dict:
    """One checkbox: its label beside it, and its hint under it rather than the group's."""
    item = {"value": "on", "text": str(bound.label), "checked": bool(bound.value())}
    if "hint" in params:
        item["hint"] = params.pop("hint")
    return {"idPrefix": _id(bound), "items": [item]}


def _choices(bound) -> dict:
    """Radios or checkboxes: a fieldset with the label as its legend, a blank choice left out."""
    value = bound.value()
    chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
    items = [
        {"value": str(v), "text": str(t), "checked": str(v) in chosen}
        for v, t in bound.field.choices
        if str(v) != ""
    ]
    legend = {"legend": {"text": str(bound.label), "size": "s"}}
    return {"idPrefix": _id(bound), "fieldset": legend, "items": items}


def _select(bound) -> dict:
    value = bound.value()
    items = [
        {"value": str(v), "text": str(t), "selected": str(v) == str(value)}
        for v, t in bound.field.choices
    ]
    return {"id": _id(bound), "label": {"text": str(bound.label)}, "items": items}


def _input(bound) -> dict:
    """A text input; a number is typed as text with a numeric keyboard (the NHS.UK advice)."""
    value = bound.value()
    input_type = getattr(bound.field.widget, "input_type", "text")
    params = {
        "id": _id(bound),
        "label": {"text": str(bound.label)},
        "value": "" if value is None else str(value),
        "type": input_type,
    }
    if input_type == "number":
        params.update({"classes": "nhsuk-input--width-5", "type": "text", "inputmode": "numeric"})
    if input_type == "date":
        params["classes"] = "nhsuk-input--width-10"
    return params


def render_form(form, *names, **extra) -> list:
    """The form's fields (``names``, or all) rendered with the NHS.UK macros; ``extra`` maps a
    field's name to parameters added to its macro's."""
    module = engines["jinja2"].env.get_template("staff/formfields.jinja").module
    out = []
    for name in names or form.fields:
        macro, params = nhs_field(form[name], **extra.get(name, {}))
        out.append(module.field(macro, params))
    return out


def error_list(form) -> list[dict]:
    """The form's errors for the NHS.UK error summary (each linking to its field, a date to
    its first wrong part), each naming its field."""
    out = []
    for name, errors in form.errors.items():
        if name == "__all__":
            out.extend({"text": str(e)} for e in errors)
            continue
        bound = form[name]
        anchor = _id(bound)
        if isinstance(bound.field.widget, NhsDateInput):
            anchor = f"{anchor}-{_wrong_parts(bound)[0]}"
        out.extend({"text": text, "href": f"#{anchor}"} for text in field_errors(bound))
    return out


# ---- the NHS.UK date input ---------------------------------------------------------------------

DATE_PARTS = ("day", "month", "year")
DATE_HINT = "For example, 15 3 2027"


class NhsDateInput(forms.Widget):
    """Day, month and year posted as ``NAME[day]``, ``NAME[month]`` and ``NAME[year]`` (the
    NHS.UK date input's names); drawn by :func:`nhs_field`, never by Django.  A form posted by
    a script with one ISO date under ``NAME`` (2027-03-15) is read too."""

    def value_from_datadict(self, data, files, name):
        parts = [str(data.get(f"{name}[{part}]", "")).strip() for part in DATE_PARTS]
        if not any(parts) and data.get(name):
            try:
                day = dt.date.fromisoformat(str(data.get(name)).strip())
            except ValueError:
                return [str(data.get(name)), "", ""]
            return [str(day.day), str(day.month), str(day.year)]
        return parts

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}[{p}]" in data for p in DATE_PARTS)


class NhsDateField(forms.Field):
    """A date typed as day, month and year; each error says which part is wrong (its code names
    the parts: ``day``, ``month+year``; none for the whole date)."""

    widget = NhsDateInput

    def to_python(self, value):
        if isinstance(value, dt.date):
            return value
        if not value or not any(str(v).strip() for v in value):
            return None
        day, month, year = (str(v).strip() for v in value)
        missing = [p for p, v in zip(DATE_PARTS, (day, month, year), strict=True) if not v]
        if missing:
            raise forms.ValidationError(
                "{what} must include a " + " and a ".join(missing), code="+".join(missing)
            )
        checks = (
            ("day", day, 1, 31, "a day from 1 to 31"),
            ("month", month, 1, 12, "a month from 1 to 12"),
            ("year", year, 1900, 2100, "a year of 4 digits, like 2027"),
        )
        for part, text, low, high, wanted in checks:
            if not text.isdigit() or not low <= int(text) <= high:
                raise forms.ValidationError("{what} must have " + wanted, code=part)
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(
                "{what} must be a real date: that month has no day " + str(int(day)),
                code="day",
            ) from None


def _wrong_parts(bound) -> list[str]:
    codes = [e.code or "" for e in bound.form.errors.as_data().get(bound.name, [])]
    wrong = [p for c in codes for p in c.split("+") if p in DATE_PARTS]
    return wrong or list(DATE_PARTS)


def _date(bound, params: dict) -> dict:
    value = bound.value()
    if isinstance(value, dt.date):
        value = [value.day, value.month, value.year]
    parts = list(value) if isinstance(value, list | tuple) else ["", "", ""]
    wrong = set(_wrong_parts(bound)) if bound.errors else set()
    widths = {"day": 2, "month": 2, "year": 4}
    items = [
        {
            "name": part,
            "classes": f"nhsuk-input--width-{widths[part]}"
            + (" nhsuk-input--error" if part in wrong else ""),
            "value": "" if parts[i] in (None, "") else str(parts[i]),
            "inputmode": "numeric",
        }
        for i, part in enumerate(DATE_PARTS)
    ]
    hint = params.pop("hint", None)
    return {
        "id": _id(bound),
        "namePrefix": bound.html_name,
        "fieldset": {"legend": {"text": str(bound.label), "size": "s"}},
        "hint": hint or {"text": DATE_HINT},
        "items": items,
    }
