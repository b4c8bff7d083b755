"""Load YAML while remembering the line of every mapping key and sequence entry.

PyYAML builds plain Python objects and forgets where they came from; validation messages must
name the line, so we compose the node tree ourselves and keep a map from each value's path (a
tuple of keys and indices) to its 1-based line.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[Any, ...]


class LineMap(dict):
    """Maps a path such as ``("sections", 0, "items", 2, "type")`` to a 1-based line."""

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self:
                return self[path]
            path = path[:-1]
        return self.get((), None)


def load_yaml(text: str) -> tuple[Any, LineMap]:
    """Parse YAML text into plain objects and a :class:`LineMap`.

    Raises ``yaml.YAMLError`` (with its own mark) for text that is not YAML.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines = LineMap()
    if node is None:
        return None, lines
    lines[()] = node.start_mark.line + 1
    _walk(node, (), lines)
    data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
    return data, lines


def _walk(node: yaml.Node, path: Path, lines: LineMap) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = path + (key_node.value,)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, value_node in enumerate(node.value):
            child = path + (index,)
            lines[child] = value_node.start_mark.line + 1
            _walk(value_node, child, lines)


def dump_yaml(data: Any) -> str:
    """Write plain objects as readable block-style YAML, keys in the order given."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
