"""The tagged union of a tree language's node classes, told apart by their tag key.

A protocol file writes a node as a mapping whose tag key says what it is
(``all_of``, ``measure``, ``time_to``): the criteria language
(:mod:`trialkit.protocol.criteria`) and the endpoint language
(:mod:`trialkit.protocol.endpoints`) build their pydantic union from their node
classes here, so that the tags, the union and the error that lists the tags come
from the classes.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import BaseModel, Discriminator, Tag

__all__ = ["TAG_PREFIX", "tagged_union"]

TAG_PREFIX = "node:"
"""Prefix of the union tags in a validation error's location (not a field of the file)."""


class _Tagged(Protocol):
    tag: ClassVar[str]


def tagged_union(node_types: dict[str, type[BaseModel]], what: str) -> Any:
    """The pydantic union of ``node_types`` (tag → class), discriminated by the tag key.

    A key that is a field alias of the tag (``not`` for the field ``not_``, which
    ``populate_by_name`` accepts) introduces the node too. A mapping with no known
    key is refused with the list of tags: "not <what>: expected one of the keys ...".
    """
    tags: dict[str, str] = {}
    for tag, model in node_types.items():
        tags[tag] = tag
        for name, field in model.model_fields.items():
            if field.alias == tag:
                tags[name] = tag

    def discriminate(value: Any) -> str | None:
        names = value.keys() if isinstance(value, dict) else type(value).model_fields
        for name in names:
            if name in tags:
                return TAG_PREFIX + tags[name]
        return None

    return Annotated[
        reduce(or_, (Annotated[m, Tag(TAG_PREFIX + t)] for t, m in node_types.items())),
        Discriminator(
            discriminate,
            custom_error_type="unknown_node",
            custom_error_message=f"not {what}: expected one of the keys " + ", ".join(node_types),
        ),
    ]
