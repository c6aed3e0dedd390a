"""YAML text -> (data, node tree for line look-ups) from one pass of libyaml's parser; anchors, aliases and
duplicate keys are refused, dates stay strings, and nesting and size are bounded before anything is built."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.cyaml import CParser
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.resolver import BaseResolver, Resolver

from pipeline import limits
from pipeline.problems import PipelineError, Problem


class _Refused(Exception):
    """An input the loader stops reading: a problem code, a message and where the parser was."""

    def __init__(self, code: str, message: str, mark: yaml.Mark | None):
        super().__init__(message)
        self.code, self.message, self.mark = code, message, mark


class _InputLoader(CParser, Composer, SafeConstructor, Resolver):
    """libyaml's C parser produces the events; the node tree is composed here, in Python, because the C
    composer resolves aliases silently and cannot report an anchor. One parse gives both the nodes (for line
    numbers) and the data."""

    # The C parser's own composer methods are replaced by the checking composer below.
    check_node = Composer.check_node
    get_node = Composer.get_node
    get_single_node = Composer.get_single_node

    def __init__(self, text: str, max_depth: int, max_nodes: int):
        CParser.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._max_depth, self._max_nodes = max_depth, max_nodes
        self._depth = self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise _Refused("yaml-alias", "YAML anchors and aliases are not allowed in inputs", event.start_mark)
        self._nodes += 1
        if self._nodes > self._max_nodes:
            raise _Refused("yaml-too-large", f"more than {self._max_nodes:,} values (docs/limits.md)",
                           event.start_mark)
        if not isinstance(event, CollectionStartEvent):
            return Composer.compose_node(self, parent, index)
        if self._depth >= self._max_depth:
            raise _Refused("yaml-too-deep", f"nested more than {self._max_depth} levels deep (docs/limits.md)",
                           event.start_mark)
        self._depth += 1
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _InputLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            first = seen.get(key)
        except TypeError as exc:
            raise ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark) from exc
        if first is not None:
            raise ConstructorError(None, None, f"duplicate key {key!r} (first at line {first})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_InputLoader.add_constructor(BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay the strings they are written as ("2024-04-16"), as the JSON Schemas expect.
_InputLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}


def _line_at(text: str, position: int | None) -> int | None:
    return None if position is None else text.count("\n", 0, position) + 1


def parse_yaml(text: str, path: str) -> tuple[Any, yaml.Node | None]:
    """YAML text -> (data, node tree); every refusal is a problem naming the file and line."""
    try:
        loader = _InputLoader(text, limits.value("yaml_depth"), limits.value("yaml_nodes"))
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Refused as refused:
        line = refused.mark.line + 1 if refused.mark else None
        raise PipelineError([Problem(refused.code, refused.message, path=path, line=line)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        code = "yaml-duplicate-key" if "duplicate key" in problem else "yaml-syntax"
        raise PipelineError([Problem(code, f"malformed YAML: {problem}", path=path,
                                     line=mark.line + 1 if mark else None)]) from exc
    except yaml.reader.ReaderError as exc:
        raise PipelineError([Problem("yaml-syntax", f"malformed YAML: {exc.reason}", path=path,
                                     line=_line_at(text, exc.position))]) from exc
    except yaml.YAMLError as exc:
        raise PipelineError([Problem("yaml-syntax", f"malformed YAML: {exc}", path=path)]) from exc
    except UnicodeError as exc:
        raise PipelineError([Problem("yaml-encoding", f"not valid Unicode text: {exc.reason}", path=path)]) from exc
    except RecursionError as exc:  # the depth limit should make this unreachable; kept as a last guard
        raise PipelineError([Problem("yaml-too-deep", "nested too deeply", path=path)]) from exc
    return data, node


def line_of(node: yaml.Node | None, location: list[Any] | tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a JSON-Schema-style path, or of its nearest parent."""
    if node is None:
        return None
    current = node
    for step in location:
        child = None
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == step:
                    child = value_node
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int):
            if 0 <= step < len(current.value):
                child = current.value[step]
        if child is None:
            break
        current = child
    return current.start_mark.line + 1
