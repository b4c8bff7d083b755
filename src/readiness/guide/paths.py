"""Walk the guide's graph: every path for the safety check, one path for a member of staff.

A path starts at the guide's ``start`` node.  At a question, each option whose ``when`` holds is
a branch, and its ``set`` updates the state; a question whose options have no labels is a router
and takes the first option whose ``when`` holds.  An action node's actions are done on the way;
an outcome ends the path with its own actions, those whose ``when`` holds.

The staff-facing walk is stateless: a position is the list of options chosen so far (indexes
into each page's options), replayed from the start, so the answers live only in the address and
nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from readiness.errors import ReadinessError
from readiness.guide.model import Guide, Node, Option

MAX_DEPTH = 200  # a path longer than this is a cycle (the shipped graph has about a dozen steps)


class GraphError(ReadinessError):
    """The graph cannot be walked (a missing node, a cycle, a router with no way on)."""


@dataclass(frozen=True)
class Step:
    node: str
    label: str = ""  # the option chosen ("" for a router or an action page)


@dataclass(frozen=True)
class Path:
    """One way through the guide, from the start to an outcome."""

    steps: tuple[Step, ...]
    state: Mapping[str, str]
    outcome: str
    actions: tuple[str, ...]  # every action on the way, in order, then the outcome's own

    @property
    def nation(self) -> str:
        return self.state.get("nation", "")

    def describe(self) -> str:
        parts = [f"{s.node}={s.label}" if s.label else s.node for s in self.steps]
        return " > ".join(parts + [self.outcome])


def open_options(node: Node, state: Mapping[str, str]) -> list[tuple[int, Option]]:
    """The options a member of staff may choose here (index into ``node.options``)."""
    return [(i, o) for i, o in enumerate(node.options) if o.when.holds(state)]


def outcome_actions(guide: Guide, node: Node, state: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(ref.id for ref in node.actions if ref.when.holds(state))


def _node(guide: Guide, node_id: str, came_from: str) -> Node:
    try:
        return guide.nodes[node_id]
    except KeyError:
        raise GraphError(f"'{came_from}' leads to '{node_id}', which is not a node.") from None


def _route(node: Node, state: Mapping[str, str]) -> Option:
    for option in node.options:
        if option.when.holds(state):
            return option
    raise GraphError(f"router '{node.id}' has no option for the state {dict(state)}.")


def enumerate_paths(guide: Guide) -> list[Path]:
    """Every path from the start to an outcome (raises :class:`GraphError` on a broken graph)."""
    paths: list[Path] = []
    start = _node(guide, guide.start, "start")
    stack: list[tuple[Node, dict, tuple[Step, ...], tuple[str, ...]]] = [(start, {}, (), ())]
    while stack:
        node, state, steps, done = stack.pop()
        if len(steps) > MAX_DEPTH:
            raise GraphError(
                f"a path passes {MAX_DEPTH} steps: the graph has a cycle at '{node.id}'."
            )
        if node.type == "outcome":
            paths.append(Path(steps, state, node.id, done + outcome_actions(guide, node, state)))
        elif node.type == "action":
            acts = outcome_actions(guide, node, state)
            stack.append(
                (_node(guide, node.next, node.id), state, steps + (Step(node.id),), done + acts)
            )
        elif node.is_router:
            option = _route(node, state)
            after = {**state, **dict(option.set)}
            stack.append(
                (_node(guide, option.next, node.id), after, steps + (Step(node.id),), done)
            )
        else:
            branches = open_options(node, state)
            if not branches:
                raise GraphError(f"question '{node.id}' offers no option for the state {state}.")
            for _, option in reversed(branches):
                after = {**state, **dict(option.set)}
                step = Step(node.id, option.label)
                stack.append((_node(guide, option.next, node.id), after, steps + (step,), done))
    return paths


@dataclass(frozen=True)
class Position:
    """Where a member of staff is after the choices made so far."""

    node: Node
    state: Mapping[str, str]
    steps: tuple[Step, ...]
    choices: tuple[int, ...]
    actions_so_far: tuple[str, ...] = field(default=())

    @property
    def nation(self) -> str:
        return self.state.get("nation", "")


def _pass_routers(guide: Guide, node: Node, state: dict) -> tuple[Node, dict]:
    for _ in range(MAX_DEPTH):
        if not node.is_router:
            return node, state
        option = _route(node, state)
        state = {**state, **dict(option.set)}
        node = _node(guide, option.next, node.id)
    raise GraphError(f"routers loop at '{node.id}'.")


def replay(
    guide: Guide, choices: Sequence[int], state: Mapping[str, str] | None = None
) -> Position:
    """The position after ``choices`` (an action page's only choice is 0, "Continue").

    ``state`` presets variables (a deployment's nation); a choice that is not open at its
    page raises :class:`GraphError`, so a hand-edited address cannot reach a wrong outcome.
    """
    node, current = _pass_routers(guide, _node(guide, guide.start, "start"), dict(state or {}))
    steps: tuple[Step, ...] = ()
    done: tuple[str, ...] = ()
    for n, choice in enumerate(choices):
        if node.type == "outcome":
            raise GraphError("the path has ended: there is nothing more to choose.")
        if node.type == "action":
            if choice != 0:
                raise GraphError(f"step {n + 1}: an action page has only 'Continue'.")
            steps, done = steps + (Step(node.id),), done + outcome_actions(guide, node, current)
            node = _node(guide, node.next, node.id)
        else:
            allowed = dict(open_options(node, current))
            if choice not in allowed:
                raise GraphError(f"step {n + 1}: option {choice} is not open at '{node.id}'.")
            option = allowed[choice]
            current = {**current, **dict(option.set)}
            steps += (Step(node.id, option.label),)
            node = _node(guide, option.next, node.id)
        node, current = _pass_routers(guide, node, current)
    return Position(node, current, steps, tuple(choices), done)


def skip_preset(guide: Guide, state: Mapping[str, str]) -> list[int]:
    """Choices that answer the questions ``state`` already settles (a deployment's nation):
    at the start, while the page's open options include exactly one that sets only preset
    values, that option is chosen for the member of staff."""
    choices: list[int] = []
    while True:
        pos = replay(guide, choices)
        if pos.node.type != "question":
            return choices
        matches = [
            i
            for i, o in open_options(pos.node, pos.state)
            if o.set and all(state.get(var) == value for var, value in o.set)
        ]
        if len(matches) != 1:
            return choices
        choices.append(matches[0])
