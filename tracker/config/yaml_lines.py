"""Line numbers for YAML keys, so that messages can point into the file."""

from __future__ import annotations

from typing import Any

import yaml

KeyPath = tuple[Any, ...]


def key_lines(text: str) -> tuple[dict[KeyPath, int], list[tuple[KeyPath, int]]]:
    """Map key paths such as ``("keywords", 2, "name")`` to 1-based lines.

    Also returns the keys given twice in one mapping, which ``yaml.safe_load``
    would silently collapse into the last one.
    """
    lines: dict[KeyPath, int] = {}
    duplicates: list[tuple[KeyPath, int]] = []

    def walk(node: yaml.Node, path: KeyPath) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                child = (*path, key)
                if key in seen:
                    duplicates.append((child, key_node.start_mark.line + 1))
                    continue
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return lines, duplicates
