"""Reading protocol files: YAML → :class:`Protocol`, with errors that name file, line and field.

The five seed protocols ship in the package (``trialkit/protocol/protocols``)
and are found by id; any other file is read by path. A file that is not valid
YAML, has an unknown field or concept, a unit of the wrong dimension, a
duplicate id or a missing verbatim text raises :class:`ProtocolError` with
``file:line: field: reason``.

A protocol file is plain YAML: anchors and aliases (``&a`` / ``*a``, whose
nested expansion can take gigabytes from a few kilobytes), merge keys
(``<<``), tags (``!foo``, ``!!python/...``), a key given twice in one mapping
(YAML would keep the last silently) and an integer of more than
:data:`MAX_INTEGER_DIGITS` digits are refused, naming the line, before any
value is built.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from trialkit._files import read_regular
from trialkit.errors import ProtocolError
from trialkit.protocol.criteria import TAG_PREFIX
from trialkit.protocol.model import Protocol

__all__ = [
    "MAX_INTEGER_DIGITS",
    "MAX_PROTOCOL_BYTES",
    "builtin_ids",
    "builtin_protocol",
    "builtin_protocols",
    "load_protocol",
    "parse_protocol",
]

_DESIGN_TAGS = frozenset({"simon_two_stage", "single_stage", "observational"})
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT_TAG = "tag:yaml.org,2002:int"

MAX_PROTOCOL_BYTES = 16 * 2**20
"""The largest protocol file read (the seed protocols are 10-50 KB)."""

MAX_INTEGER_DIGITS = 100
"""Longest integer a protocol file may write (no count, day or size needs more digits)."""


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate a protocol file (a regular file of :data:`MAX_PROTOCOL_BYTES` at most)."""
    file = Path(path)
    try:
        text = read_regular(file, MAX_PROTOCOL_BYTES, ProtocolError).decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(f"{file}: not a UTF-8 text file") from None
    return parse_protocol(text, str(file))


def parse_protocol(text: str, origin: str = "protocol") -> Protocol:
    """Validate protocol YAML text; ``origin`` names the file in error messages."""
    try:
        _check_events(text, origin)
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ProtocolError(f"{origin}{line}: invalid YAML: {problem}") from None
    if not isinstance(root, yaml.MappingNode):
        raise ProtocolError(f"{origin}: a protocol file is a YAML mapping (format:, id:, ...)")
    _check_nodes(root, origin)
    _check_duplicate_ids(root, origin)
    data = yaml.load(text, Loader=_LOADER)
    try:
        return Protocol.model_validate(data)
    except ValidationError as error:
        raise ProtocolError(_message(error, root, origin)) from None


def _check_events(text: str, origin: str) -> None:
    """Refuse anchors, aliases and tags, from the parser's events (before any node is built)."""
    for event in yaml.parse(text, Loader=_LOADER):
        mark = event.start_mark
        line = f"{origin}:{mark.line + 1}" if mark is not None else origin
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise ProtocolError(
                f"{line}: YAML anchors and aliases (&{anchor}, *{anchor}) are not "
                "allowed in a protocol file; write the value out"
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise ProtocolError(
                f"{line}: YAML tags ({tag.replace('tag:yaml.org,2002:', '!!')}) are not "
                "allowed in a protocol file"
            )


def _check_nodes(root: yaml.Node, origin: str) -> None:
    """Refuse a key given twice in a mapping, a merge key, and an integer too long to read."""
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode):
                    if key.value == "<<":
                        raise ProtocolError(
                            f"{origin}:{line}: YAML merge keys (<<) are not allowed"
                        )
                    if key.value in seen:
                        raise ProtocolError(
                            f"{origin}:{line}: duplicate key {key.value!r} (first on line "
                            f"{seen[key.value]}); a key is given once in a mapping"
                        )
                    seen[key.value] = line
                pending += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            pending += node.value
        elif node.tag == _INT_TAG:
            digits = sum(character.isdigit() for character in node.value)
            if digits > MAX_INTEGER_DIGITS:
                raise ProtocolError(
                    f"{origin}:{node.start_mark.line + 1}: an integer of {digits} digits; a "
                    f"protocol value has at most {MAX_INTEGER_DIGITS}"
                )


def _message(error: ValidationError, root: yaml.Node, origin: str) -> str:
    first = error.errors()[0]
    node, path = _locate(root, first["loc"])
    more = error.error_count() - 1
    extra = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    reason = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        reason = "required field is missing"
    elif first["type"] == "extra_forbidden":
        reason = "unknown field"
    where = f"{path}: " if path else ""
    return f"{origin}:{node.start_mark.line + 1}: {where}{reason}{extra}"


def _locate(root: yaml.Node, loc: tuple[int | str, ...]) -> tuple[yaml.Node, str]:
    """The deepest YAML node on a pydantic error location, and the location as a field path."""
    node, path = root, ""
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            if part.startswith(TAG_PREFIX) or part in _DESIGN_TAGS:
                continue  # a union tag (node:measure, simon_two_stage), not a field
            path = f"{path}.{part}" if path else part
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                break  # a missing field: the mapping that lacks it is the place
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                node = node.value[part]
            path = f"{path}[{part}]"
        elif isinstance(part, str) and not part.startswith(TAG_PREFIX):
            path = f"{path}.{part}" if path else part
    return node, path


def _check_duplicate_ids(root: yaml.MappingNode, origin: str) -> None:
    for section in ("criteria", "arms", "endpoints", "sources"):
        items = next((v for k, v in root.value if k.value == section), None)
        if not isinstance(items, yaml.SequenceNode):
            continue
        seen: dict[str, int] = {}
        for index, item in enumerate(items.value):
            if not isinstance(item, yaml.MappingNode):
                continue
            ident = next((v for k, v in item.value if k.value == "id"), None)
            if not isinstance(ident, yaml.ScalarNode):
                continue
            if ident.value in seen:
                raise ProtocolError(
                    f"{origin}:{ident.start_mark.line + 1}: {section}[{index}].id: duplicate id "
                    f"{ident.value!r} (first used in {section}[{seen[ident.value]}])"
                )
            seen[ident.value] = index


def _directory() -> Any:
    return files("trialkit.protocol").joinpath("protocols")


@cache
def builtin_ids() -> tuple[str, ...]:
    """Ids of the protocols shipped with trialkit, in seed order."""
    found = []
    for entry in _directory().iterdir():
        if entry.name.endswith(".yaml"):
            protocol = builtin_protocol(entry.name.removesuffix(".yaml"))
            found.append((protocol.seed, protocol.id))
    return tuple(ident for _, ident in sorted(found))


@cache
def builtin_protocol(protocol_id: str) -> Protocol:
    """A shipped protocol by id (``r-hlh``); :class:`ProtocolError` for an unknown id."""
    entry = _directory().joinpath(f"{protocol_id}.yaml")
    if not entry.is_file():
        known = ", ".join(sorted(p.name.removesuffix(".yaml") for p in _directory().iterdir()))
        raise ProtocolError(f"unknown protocol {protocol_id!r}; known: {known}")
    protocol = parse_protocol(entry.read_text(encoding="utf-8"), f"{protocol_id}.yaml")
    if protocol.id != protocol_id:
        raise ProtocolError(f"{protocol_id}.yaml: id is {protocol.id!r}, expected {protocol_id!r}")
    return protocol


def builtin_protocols() -> tuple[Protocol, ...]:
    """Every shipped protocol, in seed order."""
    return tuple(builtin_protocol(ident) for ident in builtin_ids())
