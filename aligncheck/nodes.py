"""A small positioned value tree shared by the YAML and JSON loaders.

Every node knows where it was written, so every finding can point at the node it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from aligncheck.findings import Pos

ScalarValue = str | int | float | bool | None


@dataclass(eq=False, slots=True)
class Node:
    pos: Pos


@dataclass(eq=False, slots=True)
class Scalar(Node):
    value: ScalarValue
    # The text as written, for values YAML would turn into something else (timestamps).
    raw: str = ""
    # For a YAML literal block scalar (`|`): the 0-based column its content is indented to.
    # Line i of the value then stands on source line `pos.line + 1 + i`.
    block_indent: int | None = None

    def line_pos(self, index: int) -> Pos:
        """Where line `index` (0-based) of this scalar's text stands in the source."""
        if self.block_indent is None:
            return self.pos
        return Pos(self.pos.line + 1 + index, self.block_indent + 1)


@dataclass(eq=False, slots=True)
class Seq(Node):
    items: list[Node] = field(default_factory=list)


class Entry(NamedTuple):
    """One key of a mapping: where the key stands, and its value."""

    key: str
    key_pos: Pos
    value: Node


@dataclass(eq=False, slots=True)
class Map(Node):
    entries: dict[str, Entry] = field(default_factory=dict)  # a key written twice keeps its last

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return None if entry is None else entry.value


def kind_name(node: Node) -> str:
    """The user's word for a node's type, for messages."""
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    assert isinstance(node, Scalar)
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    return "a string"
