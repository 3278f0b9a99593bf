"""YAML that remembers where each value came from (rubric files, notebook rubric blocks).

``load(text)`` reads one document with a ``SafeLoader`` that

* records the 1-based line of every mapping, sequence, key and item (``LineDict.key_lines``,
  ``LineList.item_lines``), so ``line_of(document, ["sections", 0, "checks", 3])`` finds it;
* refuses duplicate keys (``DuplicateKey``, with both lines);
* reads ``1e-7`` as a number (YAML 1.2) rather than a string (PyYAML's YAML 1.1).

``plain(value)`` turns the line-tracking containers back into plain dicts and lists.
"""
from __future__ import annotations

import re

import yaml


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list


class DuplicateKey(Exception):
    """A mapping names the same key twice (``line``; ``first_line`` is the first time)."""

    def __init__(self, key, line, first_line):
        super().__init__(key)
        self.key, self.line, self.first_line = key, line, first_line


class LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers and refuses duplicate keys."""

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark) from None
            line = key_node.start_mark.line + 1
            if key in mapping:
                raise DuplicateKey(key, line, mapping.key_lines[key])
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = line
        return mapping

    def construct_sequence(self, node, deep=False):
        seq = LineList(self.construct_object(child, deep=deep) for child in node.value)
        seq.line = node.start_mark.line + 1
        seq.item_lines = [child.start_mark.line + 1 for child in node.value]
        return seq


def _construct_map(loader, node):
    return loader.construct_mapping(node, deep=True)


def _construct_seq(loader, node):
    return loader.construct_sequence(node, deep=True)


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def load(text: str):
    """One YAML document with line numbers. Raises ``DuplicateKey``, ``yaml.YAMLError`` or
    ``RecursionError`` (PyYAML composes recursively: deeply nested input exhausts the stack)."""
    return yaml.load(text, Loader=LineLoader)


def plain(value):
    """Line-tracking containers -> plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def line_of(document, path) -> int:
    """The YAML line of the deepest element of ``path`` found in ``document`` (0 if none)."""
    line = getattr(document, "line", 0)
    node = document
    for key in path:
        if isinstance(node, LineDict) and key in node:
            line = node.key_lines.get(key, line)
            node = node[key]
        elif isinstance(node, LineList) and isinstance(key, int) and 0 <= key < len(node):
            line = node.item_lines[key]
            node = node[key]
        else:
            break
    return line
