"""YAML to plain data, keeping the line of every value (yaml's node tree and start marks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


class SourceError(Exception):
    """A fault in a scenario file: ``file:line: message``."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


@dataclass
class Located:
    """The data of a YAML document and the 1-based line of each path in it."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def load(text: str, file: str) -> Located:
    """Parse one YAML document; syntax errors and duplicate keys become `SourceError`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise SourceError(file, line, f"YAML syntax: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:  # e.g. a control character (yaml.reader.ReaderError)
        line = text.count("\n", 0, getattr(exc, "position", 0)) + 1
        raise SourceError(file, line, f"YAML: {getattr(exc, 'reason', exc)}") from None
    located = Located(None)
    if node is None:
        raise SourceError(file, 1, "the file is empty; expected a scenario mapping")
    located.data = _convert(node, (), located, file)
    return located


def _convert(node: yaml.Node, path: Path, located: Located, file: str) -> Any:
    located.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, file)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise SourceError(file, key_node.start_mark.line + 1, f"unexpected key {key!r}")
            key = str(key)
            if key in result:
                raise SourceError(file, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            result[key] = _convert(value_node, (*path, key), located, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), located, file) for i, item in enumerate(node.value)]
    return _scalar(node, file)


_CONSTRUCTOR = yaml.SafeLoader("")


def _scalar(node: yaml.Node, file: str) -> Any:
    """A scalar as the safe loader types it (int, bool, str, ...); dates stay strings."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        line = node.start_mark.line + 1
        raise SourceError(
            file, line, f"YAML value: {getattr(exc, 'problem', None) or exc}"
        ) from None
