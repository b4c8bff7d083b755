"""Django forms shown with the NHS.UK frontend macros, for every app: a bound field as the
macro that draws it (:func:`nhs_field`), a form's fields drawn (:func:`render_form`), and its
errors for the error summary (:func:`error_list`).

It imports no app, so that every app may import it.
"""

from __future__ import annotations

from django import forms
from django.template import engines

_CHOICE_WIDGETS = forms.RadioSelect | forms.CheckboxSelectMultiple


def nhs_field(bound, **extra) -> tuple[str, dict]:
    """(macro name, parameters) of the NHS.UK frontend macro for a Django bound field."""
    widget = bound.field.widget
    params: dict = {"name": bound.html_name}
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    if bound.errors:
        params["errorMessage"] = {"text": " ".join(str(e) for e in bound.errors)}
    if isinstance(widget, forms.CheckboxInput):
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
    """The form's errors for the NHS.UK error summary (each linking to its field)."""
    out = []
    for name, errors in form.errors.items():
        if name == "__all__":
            out.extend({"text": str(e)} for e in errors)
            continue
        anchor = form[name].auto_id
        out.extend({"text": str(e), "href": f"#{anchor}"} for e in errors)
    return out
