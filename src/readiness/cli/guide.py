"""Commands ``readiness guide [walk|check|facts|local|print|build]``.

``readiness guide`` on its own walks through the guide in the terminal, one question at a time.
The other commands keep the content current: ``check`` proves the safety rules on every path,
``facts`` lists what is due for review (exit status 1 with ``--overdue`` when anything is, so a
scheduled job can fail on it), ``local`` reads and updates a trust's own contacts, and
``print``/``build`` make the one-page pathway and the offline file.

Every command reads the shipped content unless ``--folder`` names another copy, takes
``--as-of YYYY-MM-DD`` where dates matter (default today, so tests and CI can fix the date),
and ``--json`` for machine-readable output.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

import click

from readiness.guide.facts import DueFact, due_facts
from readiness.guide.load import load_content
from readiness.guide.model import NATION_NAMES, NATIONS, REVIEW_MONTHS, Content
from readiness.guide.present import nhs_date

NATION_METAVAR = "england|wales|scotland|northern-ireland"


class _Ordered(click.Group):
    """Lists sub-commands in the order they were added."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


class NationType(click.ParamType):
    """A nation id, accepting ``northern-ireland``, ``Northern Ireland`` and ``northern_ireland``."""

    name = "nation"

    def get_metavar(self, param, ctx=None) -> str:  # click 8.1 and 8.2 signatures
        return NATION_METAVAR

    def convert(self, value, param, ctx):
        key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        if key in NATIONS:
            return key
        self.fail(
            f"'{value}' is not a nation; use {NATION_METAVAR.replace('|', ', ')}.", param, ctx
        )


class DateType(click.ParamType):
    name = "date"

    def get_metavar(self, param, ctx=None) -> str:
        return "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"'{value}' is not a date; write it as YYYY-MM-DD.", param, ctx)


NATION = NationType()
DATE = DateType()


def _folder_option(f):
    return click.option(
        "--folder",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Read the guide content from this folder instead of the shipped content.",
    )(f)


def _as_of_option(f):
    return click.option(
        "--as-of", "as_of", type=DATE, help="The date to check against (default: today)."
    )(f)


def _json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(f)


def _local_option(required: bool = False):
    return click.option(
        "--local",
        "local_file",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        help="The trust's own contacts file (YAML).",
    )


def _today(as_of: dt.date | None) -> dt.date:
    return as_of or dt.date.today()


def _nhs_date(day: dt.date | None) -> str:
    """A date as nhs_date writes it; a date never given as 'not recorded'."""
    return nhs_date(day) if day is not None else "not recorded"


def _echo_json(data: dict) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _load_local(path: Path | None, content: Content):
    if path is None:
        return None
    from readiness.guide.local import load_local

    return load_local(path, content)


def _days(days_overdue: int) -> str:
    if days_overdue > 0:
        return f"overdue by {days_overdue} day{'s' if days_overdue != 1 else ''}"
    if days_overdue == 0:
        return "due for review today"
    left = -days_overdue
    return f"due in {left} day{'s' if left != 1 else ''}"


def _used_by(uses: Iterable) -> str:
    """Nations with the same use grouped: ``England, Wales: refer_to_fro (adult card)``."""
    groups: dict[tuple, list[str]] = {}
    for use in uses:
        groups.setdefault((use.actions, use.cards, use.questions), []).append(use.nation)
    if not groups:
        return "no action or question"
    parts = []
    for (actions, cards, questions), nations in groups.items():
        what = []
        if actions:
            card = f" ({' and '.join(cards)} card{'s' if len(cards) > 1 else ''})" if cards else ""
            what.append(", ".join(actions) + card)
        if questions:
            what.append("beside the question " + ", ".join(questions))
        names = ", ".join(NATION_NAMES[n] for n in nations)
        parts.append(f"{names}: {'; '.join(what)}")
    return "; ".join(parts) if len(parts) == 1 else "\n    " + "\n    ".join(parts)


@click.group("guide", cls=_Ordered, invoke_without_command=True)
@click.pass_context
def guide(ctx: click.Context) -> None:
    """The response guide: what to do, step by step, when staff think a patient may have
    been trafficked, for England, Wales, Scotland and Northern Ireland.

    Run `readiness guide` on its own to walk through it in the terminal. The other commands
    check the content, list the facts and local contacts due for review, and make the
    printed pathway and the offline file.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(walk)


# -- walk ---------------------------------------------------------------------------------------


def _wrap(text: str, indent: int = 0, hang: int = 0) -> str:
    """``text`` wrapped at 88 columns, indented; ``hang`` indents the lines after the first
    further (under the words of a "- " bullet)."""
    import textwrap

    pad = " " * indent
    return textwrap.fill(
        text,
        width=88,
        initial_indent=pad,
        subsequent_indent=pad + " " * hang,
        break_long_words=False,  # an address must stay whole to be copied
        break_on_hyphens=False,
    )


def _action_lines(view, seen: set[str], acronyms, number: int | None, local_given: bool):
    from readiness.guide.present import expand_acronyms

    head = f"{number}. {view.title}" if number is not None else view.title
    lines = [_wrap(head, 2), _wrap(expand_acronyms(view.text, acronyms, seen), 5)]
    for fact in view.facts:
        lines.append(_wrap("- " + expand_acronyms(fact.statement, acronyms, seen), 5, 2))
        if fact.value:
            lines.append(_wrap(f"Number: {fact.value}", 7))
        for source in fact.sources:
            where = f" ({source.locator})" if source.locator else ""
            lines.append(_wrap(f"Source: {source.title}{where}, {source.url}", 7))
        lines.append(_wrap(fact.notice, 7))
    for contact in view.contacts:
        if contact.value:
            note = " Due for review: check with your safeguarding team." if contact.overdue else ""
            lines.append(_wrap(f"{contact.label}: {contact.value}.{note}", 5))
        elif local_given:
            lines.append(_wrap(f"{contact.label}: not filled in by your organisation.", 5))
        else:
            lines.append(_wrap(f"{contact.label}: use your organisation's number.", 5))
    return lines


def _action_json(view) -> dict:
    return {
        "id": view.id,
        "title": view.title,
        "text": view.text,
        "uncertain": view.uncertain,
        "facts": [
            {
                "id": f.id,
                "statement": f.statement,
                "value": f.value,
                "last_checked": f.last_checked.isoformat(),
                "review_by": f.review_by.isoformat(),
                "overdue": f.overdue,
                "notice": f.notice,
                "sources": [
                    {"title": s.title, "url": s.url, "version": s.version, "locator": s.locator}
                    for s in f.sources
                ],
            }
            for f in view.facts
        ],
        "contacts": [
            {"slot": c.slot, "label": c.label, "value": c.value, "overdue": c.overdue}
            for c in view.contacts
        ],
    }


@guide.command("walk")
@click.option("--nation", type=NATION, help="Your nation (skips that question).")
@_local_option()
@_as_of_option
@_folder_option
@_json_option
def walk(  # noqa: C901 - the interactive question loop with going back
    nation: str | None,
    local_file: Path | None,
    as_of: dt.date | None,
    folder: Path | None,
    as_json: bool,
) -> None:
    """Walk through the guide in the terminal, one question at a time.

    Type the number of an answer, or b to go back. At the end it lists what to do, with the
    facts behind each step, their sources and when they were last checked. With --json the
    questions go to standard error and the outcome is printed as JSON.
    """
    from readiness.guide.paths import GraphError, replay, skip_preset
    from readiness.guide.present import expand_acronyms, page_view

    content = load_content(folder)
    local = _load_local(local_file, content)
    contacts = local.contacts if local else None
    day = _today(as_of)
    guide_ = content.guide
    state = {"nation": nation} if nation else {}
    preset = skip_preset(guide_, state) if nation else []
    choices = list(preset)

    def say(text: str = "") -> None:
        click.echo(text, err=as_json)

    say(f"{guide_.title} (version {guide_.version})")
    say(_wrap(guide_.disclaimer))
    while True:
        position = replay(guide_, choices, state)
        view = page_view(content, position, day, contacts)
        seen: set[str] = set()
        can_go_back = len(choices) > len(preset)
        back = ", or b to go back" if can_go_back else ""
        say()
        if view.kind == "question":
            say(_wrap(expand_acronyms(view.heading, guide_.acronyms, seen)))
            if view.help:
                say(_wrap(expand_acronyms(view.help, guide_.acronyms, seen), 2))
            for number, option in enumerate(view.options, start=1):
                say(f"  {number}. {option.label}")
                for fact in option.facts:
                    say(_wrap(f"{fact.statement} {fact.notice}", 6))
            if not view.options:
                raise GraphError(f"question '{view.node}' offers no answer here; run guide check.")
            allowed = [str(n) for n in range(1, len(view.options) + 1)]
            answer = click.prompt(
                f"Type a number{back}",
                type=click.Choice(allowed + (["b"] if can_go_back else []), case_sensitive=False),
                show_choices=False,
                err=as_json,
            )
            if answer.lower() == "b":
                choices.pop()
            else:
                choices.append(view.options[int(answer) - 1].index)
        elif view.kind == "action":
            say(view.heading)
            for number, action in enumerate(view.actions, start=1):
                for line in _action_lines(action, seen, guide_.acronyms, number, local is not None):
                    say(line)
            answer = click.prompt(
                f"Press Enter to continue{back}", default="", show_default=False, err=as_json
            )
            if answer.strip().lower() == "b" and can_go_back:
                choices.pop()
            else:
                choices.append(0)
        else:
            break
    if as_json:
        _echo_json(
            {
                "nation": view.nation,
                "outcome": view.node,
                "card": view.card,
                "summary": view.heading,
                "answers": [{"question": a.question, "answer": a.answer} for a in view.answers],
                "choices": list(view.choices),
                "already_done": [_action_json(a) for a in view.done_so_far],
                "actions": [_action_json(a) for a in view.actions],
                "version": view.version,
                "as_of": day.isoformat(),
            }
        )
        return
    seen = set()
    click.echo(f"{view.nation_name}: {view.card} pathway")
    click.echo(_wrap(expand_acronyms(view.heading, guide_.acronyms, seen)))
    if view.done_so_far:
        click.echo()
        click.echo("Already done:")
        for action in view.done_so_far:
            click.echo(_wrap("- " + action.title, 2, 2))
    click.echo()
    click.echo("What to do:")
    for number, action in enumerate(view.actions, start=1):
        for line in _action_lines(action, seen, guide_.acronyms, number, local is not None):
            click.echo(line)
    click.echo()
    click.echo(_wrap(guide_.disclaimer))
    click.echo(f"Guide version {view.version}, as of {nhs_date(day)}.")


# -- check --------------------------------------------------------------------------------------


@guide.command("check")
@_as_of_option
@_local_option()
@click.option("--nation", type=NATION, help="The nation whose local contacts --local holds.")
@_folder_option
@_json_option
@click.pass_context
def check(
    ctx: click.Context,
    as_of: dt.date | None,
    local_file: Path | None,
    nation: str | None,
    folder: Path | None,
    as_json: bool,
) -> None:
    """Check the content: every path in every nation, facts, sources and (with --local)
    the trust's required contacts. Exits 1 on any problem."""
    from readiness.errors import GuideError
    from readiness.guide.check import check_content

    day = _today(as_of)
    problems: list = []
    warnings: list = []
    paths: dict[str, int] = {}
    version = ""
    try:
        content = load_content(folder)
    except GuideError as err:
        problems = list(err.problems)
    else:
        version = content.guide.version
        report = check_content(content, day)
        problems, warnings, paths = list(report.problems), list(report.warnings), report.paths
        if content.feedback:
            from readiness.guide.feedback import check_feedback, shipped_instruments

            problems += check_feedback(content, shipped_instruments())
        if local_file is not None:
            from readiness.guide.local import check_local, guess_nation

            try:
                local = _load_local(local_file, content)
            except GuideError as err:
                problems += err.problems
            else:
                where = nation or guess_nation(content, local)
                if where is None:
                    raise click.UsageError("say which nation the contacts are for with --nation.")
                problems += check_local(content, local, where, day)
    total = sum(paths.values())
    if as_json:
        _echo_json(
            {
                "ok": not problems,
                "as_of": day.isoformat(),
                "content_version": version,
                "paths_checked": total,
                "paths": paths,
                "problems": [p.to_dict() for p in problems],
                "warnings": [w.to_dict() for w in warnings],
            }
        )
    else:
        by_nation = ", ".join(f"{n} {paths[n]}" for n in NATIONS if n in paths)
        head = f"guide check: {total} paths checked"
        click.echo(f"{head} ({by_nation})" if by_nation else head)
        for warning in warnings:
            click.echo(f"warning: {warning}")
        if problems:
            count = len(problems)
            click.echo(f"{count} problem{'s' if count != 1 else ''}:")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            click.echo(f"guide check: passed on {nhs_date(day)} (content {version}).")
    if problems:
        ctx.exit(1)


# -- facts --------------------------------------------------------------------------------------


def _fact_lines(content: Content, due: DueFact) -> list[str]:
    fact = due.fact
    lines = [f"{fact.id}: {_days(due.days_overdue)} ({fact.status}, {fact.volatility})"]
    lines.append(_wrap(fact.statement, 2))
    if fact.value:
        lines.append(f"  Value: {fact.value}")
    for ref in fact.sources:
        source = content.sources.get(ref.id)
        if source is None:
            lines.append(f"  Source: {ref.id} (not in sources.yaml)")
        else:
            lines.append(_wrap(f"Source: {source.title}, {source.url}", 2))
    lines.append(
        f"  Last checked {nhs_date(fact.last_checked)} by {fact.checked_by}; "
        f"review by {nhs_date(fact.review_by)}."
    )
    lines.append(f"  Used by: {_used_by(due.used_by)}")
    if due.feedback:
        lines.append(f"  Feedback: {', '.join(due.feedback)}")
    return lines


def _contact_lines(due) -> list[str]:
    c = due.contact
    required = "required" if due.required else "optional"
    lines = [f"{c.slot} ({c.label}, {required}): {_days(due.days_overdue)}"]
    lines.append(f"  Value: {c.value}")
    checked = nhs_date(c.last_checked) if c.last_checked else "never"
    lines.append(f"  Last checked {checked} by {c.checked_by}; review by {nhs_date(c.review_by)}.")
    if c.test_call:
        lines.append(f"  Test call: {nhs_date(c.test_call)}")
    lines.append(f"  Used by: {_used_by(due.used_by)}")
    return lines


@guide.command("facts")
@click.option("--overdue", is_flag=True, help="Only what is past its review date; exit 1 if any.")
@click.option(
    "--due-within",
    "due_within",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="What is overdue or due for review within DAYS days.",
)
@_as_of_option
@click.option("--nation", type=NATION, help="Only facts (and contacts) for this nation.")
@click.option(
    "--volatility",
    type=click.Choice(list(REVIEW_MONTHS)),
    help="Only facts of this class.",
)
@_local_option()
@_folder_option
@_json_option
@click.pass_context
def facts(
    ctx: click.Context,
    overdue: bool,
    due_within: int | None,
    as_of: dt.date | None,
    nation: str | None,
    volatility: str | None,
    local_file: Path | None,
    folder: Path | None,
    as_json: bool,
) -> None:
    """List facts with their statement, source, last check, review date and where the guide
    uses them. With --local, the trust's contacts too. Only confirmed and unverified facts
    are listed (a contradicted or superseded one is no longer used).

    With --overdue the exit status is 1 when anything is overdue: run it with a fixed
    --as-of in CI, and without one as a scheduled check.
    """
    content = load_content(folder)
    day = _today(as_of)
    within: int | None = due_within if due_within is not None else (0 if overdue else None)
    listed = due_facts(content, day, within, nation, volatility)
    local = _load_local(local_file, content)
    contacts = []
    if local is not None:
        from readiness.guide.local import due_contacts

        contacts = due_contacts(content, local, day, within, nation)
    late = sum(d.overdue for d in listed) + sum(c.overdue for c in contacts)
    if as_json:
        _echo_json(
            {
                "as_of": day.isoformat(),
                "content_version": content.guide.version,
                "filter": {
                    "overdue": overdue,
                    "due_within": due_within,
                    "nation": nation,
                    "volatility": volatility,
                },
                "overdue": late,
                "facts": [d.to_dict(content) for d in listed],
                "local": None
                if local is None
                else {"file": str(local.path), "contacts": [c.to_dict() for c in contacts]},
            }
        )
    else:
        on = nhs_date(day)
        if due_within is not None:
            head = f"{len(listed)} due within {due_within} days of {on} ({late} overdue)"
        elif overdue:
            head = f"{late} overdue on {on}" if late else f"nothing overdue on {on}"
        else:
            head = f"{len(listed)} facts on {on} ({late} overdue)"
        click.echo(f"guide facts: {head}; content {content.guide.version}.")
        for due in listed:
            click.echo()
            click.echo("\n".join(_fact_lines(content, due)))
        if local is not None:
            click.echo()
            what = "nothing due" if not contacts else f"{len(contacts)} listed"
            click.echo(f"Local contacts in {local.path}: {what}.")
            for contact_due in contacts:
                click.echo()
                click.echo("\n".join(_contact_lines(contact_due)))
    if overdue and late:
        ctx.exit(1)


# -- local --------------------------------------------------------------------------------------


@guide.group("local", cls=_Ordered)
def local_group() -> None:
    """Check and update the trust's own contacts file."""


@local_group.command("check")
@_local_option(required=True)
@click.option("--nation", type=NATION, help="The trust's nation (default: from the slots filled).")
@_as_of_option
@_folder_option
@_json_option
@click.pass_context
def local_check(
    ctx: click.Context,
    local_file: Path,
    nation: str | None,
    as_of: dt.date | None,
    folder: Path | None,
    as_json: bool,
) -> None:
    """Fail (exit 1) when a required contact for the nation is empty or past its review date,
    naming the printed cards that carry it."""
    from readiness.guide.local import check_local, guess_nation

    content = load_content(folder)
    local = _load_local(local_file, content)
    day = _today(as_of)
    where = nation or guess_nation(content, local)
    if where is None:
        raise click.UsageError(
            "cannot tell the nation from the contacts filled in; give --nation "
            f"({NATION_METAVAR.replace('|', ', ')})."
        )
    problems = check_local(content, local, where, day)
    slots = content.slots_for(where)
    if as_json:
        rows = []
        for slot in slots:
            contact = local.get(slot.id)
            row = contact.to_dict() if contact else {"slot": slot.id, "label": slot.label}
            row["required"] = slot.required
            rows.append(row)
        _echo_json(
            {
                "ok": not problems,
                "file": str(local.path),
                "nation": where,
                "as_of": day.isoformat(),
                "contacts": rows,
                "problems": [p.to_dict() for p in problems],
            }
        )
    else:
        filled = sum(1 for s in slots if (c := local.get(s.id)) is not None and c.filled)
        click.echo(
            f"guide local check: {local.path} for {NATION_NAMES[where]}: "
            f"{filled} of {len(slots)} contacts filled in, on {nhs_date(day)}."
        )
        if problems:
            count = len(problems)
            click.echo(f"{count} problem{'s' if count != 1 else ''}:")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            click.echo("Every required contact is filled in and in date.")
    if problems:
        ctx.exit(1)


@local_group.command("set")
@click.argument("slot")
@click.argument("value")
@_local_option(required=True)
@click.option("--checked-by", "checked_by", required=True, help="Who checked the contact.")
@click.option("--today", type=DATE, help="The date of the check (default: today).")
@_folder_option
@_json_option
def local_set(
    slot: str,
    value: str,
    local_file: Path,
    checked_by: str,
    today: dt.date | None,
    folder: Path | None,
    as_json: bool,
) -> None:
    """Record a contact's VALUE for SLOT, checked today: the review date moves on six months.

    The file is created if it does not exist; every other entry is kept.
    """
    from readiness.guide.local import set_contact

    content = load_content(folder)
    contact = set_contact(local_file, slot, value, checked_by, _today(today), content)
    if as_json:
        _echo_json({"file": str(local_file), "contact": contact.to_dict()})
    else:
        click.echo(
            f"Set {slot} ({contact.label}) in {local_file}: {contact.value}. "
            f"Checked {_nhs_date(contact.last_checked)} by {contact.checked_by}; "
            f"review by {_nhs_date(contact.review_by)}."
        )


# -- print and build ----------------------------------------------------------------------------


def _contacts_kwargs(local_file: Path | None, content: Content) -> dict:
    local = _load_local(local_file, content)
    return {"contacts": local.contacts} if local is not None else {}


def _online_url(ctx, param, value: str | None) -> str:
    address = (value or "").strip()
    if address and not (address.startswith(("https://", "http://")) and len(address.split()) == 1):
        raise click.BadParameter(
            f"'{value}' is not a web address; give the guide's start page, such as "
            "https://readiness.example.nhs.uk/guide/."
        )
    return address


def _online_url_option(f):
    return click.option(
        "--online-url",
        "online_url",
        callback=_online_url,
        help="The address of the guide online (its start page): printed with a QR code.",
    )(f)


@guide.command("print")
@click.option("--nation", type=NATION, required=True, help="The nation of the pathway.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The PDF file to write.",
)
@_local_option()
@_online_url_option
@_as_of_option
@_folder_option
@_json_option
def print_command(
    nation: str,
    out: Path,
    local_file: Path | None,
    online_url: str,
    as_of: dt.date | None,
    folder: Path | None,
    as_json: bool,
) -> None:
    """Print the nation's pathway on one A4 page (PDF), with the trust's contacts."""
    from readiness.guide.printing import print_pathway

    content = load_content(folder)
    kwargs = _contacts_kwargs(local_file, content)
    written = (
        print_pathway(content, nation, out, _today(as_of), online_url=online_url, **kwargs) or out
    )
    _written(written, nation, as_json)


@guide.command("build")
@click.option("--nation", type=NATION, required=True, help="The nation of the guide.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="The HTML file to write (a self-contained page that works offline).",
)
@_local_option()
@_online_url_option
@_as_of_option
@_folder_option
@_json_option
def build_command(
    nation: str,
    out: Path,
    local_file: Path | None,
    online_url: str,
    as_of: dt.date | None,
    folder: Path | None,
    as_json: bool,
) -> None:
    """Build the guide for one nation as a file that works offline (no server, no network)."""
    from readiness.guide.printing import build_offline

    content = load_content(folder)
    kwargs = _contacts_kwargs(local_file, content)
    written = (
        build_offline(content, nation, out, _today(as_of), online_url=online_url, **kwargs) or out
    )
    _written(written, nation, as_json)


def _written(path, nation: str, as_json: bool) -> None:
    if as_json:
        _echo_json({"nation": nation, "out": str(path)})
    else:
        click.echo(f"Wrote {path} ({NATION_NAMES[nation]}).")
