"""A faster ``__init__`` for the frozen, slotted dataclasses built in bulk.

Loading one bundle builds hundreds of observations and quantities, and scoring
it dozens of items and results. The ``__init__`` that :mod:`dataclasses` writes
for a frozen class stores each field with ``object.__setattr__`` (the class's
own ``__setattr__`` refuses); calling each slot's descriptor instead costs about
half as much, and the instances are the same.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["slot_init"]

_T = TypeVar("_T")


def slot_init(cls: type[_T]) -> type[_T]:
    """Replace the ``__init__`` of a frozen, slotted dataclass by one that fills the slots.

    Same parameters, in the same order, with the same defaults. Only plain fields
    are supported (no default factory, ``__post_init__``, init-only or
    keyword-only field): a class that needs one keeps the generated ``__init__``.
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: slot_init is for frozen dataclasses with slots=True")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: slot_init does not call __post_init__")
    namespace: dict[str, Any] = {}
    arguments: list[str] = []
    body: list[str] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = field.name
        if not field.init or field.kw_only or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{name}: slot_init supports plain fields only")
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        if field.default is dataclasses.MISSING:
            arguments.append(name)
        else:
            namespace[f"_default_{name}"] = field.default
            arguments.append(f"{name}=_default_{name}")
        body.append(f"    _set_{name}(self, {name})")
    source = "\n".join([f"def __init__(self, {', '.join(arguments)}):", *body])
    exec(source, namespace)  # as dataclasses does: one plain function, no per-field loop
    init = namespace["__init__"]
    generated = cls.__dict__["__init__"]
    init.__qualname__ = generated.__qualname__
    init.__annotations__ = dict(generated.__annotations__)
    init.__module__ = cls.__module__
    type.__setattr__(cls, "__init__", init)
    return cls
