"""Dotted scenario keys: the one helper that reads, writes and describes them.

A key such as ``"emotion.stress.k_deficit"`` names a field of the scenario tree. The
CLI's ``--set``, sweep factors, the app's rules editor and ``crunch keys`` all go through
here, so a key means the same thing everywhere and an unknown key always gets the same
message with the nearest valid keys.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from game.validation import MAX_SHOWN, clean, nearest

__all__ = [
    "KeyInfo",
    "UnknownKey",
    "all_keys",
    "bounds",
    "choices",
    "describe",
    "field_at",
    "field_kind",
    "get_key",
    "item_keys",
    "item_model",
    "range_text",
    "set_key",
    "table_keys",
    "table_model",
    "unknown_key_message",
]


class UnknownKey(ValueError):
    """A dotted key names no field of the model (the message lists the nearest ones)."""


@dataclass(frozen=True)
class KeyInfo:
    """What a dotted key holds.

    Attributes:
        key: The dotted key.
        type: Its type in words (``float``, ``int``, ``bool``, ``one of ...``, ``list``).
        default: The default value (``None`` when the field is required).
        range: Its allowed range in words (empty when any value of the type is allowed).
        description: What it means.
    """

    key: str
    type: str
    default: Any
    range: str
    description: str


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def table_model(annotation: Any) -> type[BaseModel] | None:
    """The model class a field annotation holds (a sub-table), or None for a value."""
    inner = _unwrap(annotation)
    first = inner[0] if inner else None
    return first if isinstance(first, type) and issubclass(first, BaseModel) else None


def item_model(annotation: Any) -> type[BaseModel] | None:
    """The model of each item when a field holds a list of tables (``[[teams]]``), else None."""
    inner = _unwrap(annotation)
    if len(inner) != 1 or typing.get_origin(inner[0]) not in (tuple, list):
        return None
    args = [a for a in typing.get_args(inner[0]) if a is not Ellipsis]
    first = args[0] if args else None
    return first if isinstance(first, type) and issubclass(first, BaseModel) else None


def item_keys(model: type[BaseModel]) -> list[tuple[str, type[BaseModel], str]]:
    """The keys inside each item of the model's lists of tables, e.g. ``teams[].kind``.

    Returns:
        ``(shown key, item model, field name)`` for each, in declaration order.
    """
    out = []
    for key in all_keys(model):
        sub = item_model(field_at(model, key).annotation)
        if sub is not None:
            for name in sub.model_fields:
                out.append((f"{key}[].{name}", sub, name))
                out += [(f"{key}[].{inner}", m, n) for inner, m, n in item_keys_of(sub, name)]
    return out


def item_keys_of(model: type[BaseModel], field: str) -> list[tuple[str, type[BaseModel], str]]:
    """:func:`item_keys` of one field's items (``projects[].size`` inside ``teams``)."""
    sub = item_model(model.model_fields[field].annotation)
    if sub is None:
        return []
    return [(f"{field}[].{name}", sub, name) for name in sub.model_fields]


def _leaf_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        sub = table_model(info.annotation)
        if sub is not None:
            yield from _leaf_keys(sub, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def all_keys(model: type[BaseModel]) -> list[str]:
    """Every settable dotted key of ``model``, in declaration order."""
    return list(_leaf_keys(model))


def unknown_key_message(model: type[BaseModel], key: str) -> str:
    """The one-line message for an unknown key: the nearest keys, and what the table allows.

    Reads like a sweep file's: ``unknown key 'lab.teams' (did you mean 'lab.product_teams',
    ...?); allowed: headcount_product, ...``.
    """
    shown = clean(repr(key), MAX_SHOWN)
    parts = key.split(".")
    node: type[BaseModel] | None = model
    items: type[BaseModel] | None = None
    for depth, part in enumerate(parts):
        if node is None:
            where = ".".join(parts[:depth])
            close = nearest(key, all_keys(model))
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            if items is not None:
                return (
                    f"unknown key {shown}{hint}: {where!r} is a list of tables, set as a "
                    f"whole (e.g. {where}=[{{...}}]); each entry allows: "
                    f"{', '.join(items.model_fields)}"
                )
            return f"unknown key {shown}{hint}: {where!r} is a value, not a table"
        fields = node.model_fields
        if part not in fields:
            close = nearest(key, all_keys(model))
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            where = ".".join(parts[:depth])
            table = f" in [{where}]" if where else ""
            return f"unknown key {shown}{hint}; allowed{table}: {', '.join(sorted(fields))}"
        node = table_model(fields[part].annotation)
        items = item_model(fields[part].annotation)
    return f"unknown key {shown}: it names a table; set one of its keys instead"


def table_keys(model: type[BaseModel], path: tuple[str, ...]) -> list[str]:
    """The keys allowed in the table at ``path`` (sorted; empty when it is no table)."""
    node: type[BaseModel] | None = model
    items: type[BaseModel] | None = None
    for part in path:
        if node is None and items is not None and part.isdigit():  # an entry of a list
            node, items = items, None
            continue
        if node is None or part not in node.model_fields:
            return []
        items = item_model(node.model_fields[part].annotation)
        node = table_model(node.model_fields[part].annotation)
    return sorted(node.model_fields) if node is not None else []


def field_at(model: type[BaseModel], key: str) -> FieldInfo:
    """The pydantic field behind a dotted key.

    Raises:
        UnknownKey: If the key names no field (or names a table).
    """
    node: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for part in key.split("."):
        if node is None or part not in node.model_fields:
            raise UnknownKey(unknown_key_message(model, key))
        info = node.model_fields[part]
        node = table_model(info.annotation)
    if info is None or node is not None:
        raise UnknownKey(unknown_key_message(model, key))
    return info


def field_kind(model: type[BaseModel], key: str) -> str:
    """``"int"``, ``"float"``, ``"bool"``, ``"choice"``, ``"other"`` or ``"unknown"``."""
    try:
        info = field_at(model, key)
    except UnknownKey:
        return "unknown"
    kinds = _unwrap(info.annotation)
    if kinds == [bool]:
        return "bool"
    if kinds == [int]:
        return "int"
    if float in kinds:
        return "float"
    if len(kinds) == 1 and typing.get_origin(kinds[0]) is typing.Literal:
        return "choice"
    return "other"


def choices(model: type[BaseModel], key: str) -> list[str]:
    """The allowed values of a choice field (empty for other fields)."""
    info = field_at(model, key)
    kinds = _unwrap(info.annotation)
    if len(kinds) == 1 and typing.get_origin(kinds[0]) is typing.Literal:
        return [str(a) for a in typing.get_args(kinds[0])]
    return []


def range_text(info: FieldInfo) -> str:
    """The field's bounds in words, e.g. ``≥ 0, ≤ 1`` (empty when unbounded)."""
    parts = []
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            parts.append(f"≥ {m.ge:g}")
        elif isinstance(m, annotated_types.Gt):
            parts.append(f"> {m.gt:g}")
        elif isinstance(m, annotated_types.Le):
            parts.append(f"≤ {m.le:g}")
        elif isinstance(m, annotated_types.Lt):
            parts.append(f"< {m.lt:g}")
    return ", ".join(parts)


def bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """Inclusive ``(low, high)`` bounds of a field; exclusive bounds are left open (None)."""
    low = high = None
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            low = m.ge
        elif isinstance(m, annotated_types.Le):
            high = m.le
    return low, high


def _type_text(info: FieldInfo) -> str:
    kinds = _unwrap(info.annotation)
    if len(kinds) == 1 and typing.get_origin(kinds[0]) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(kinds[0]))
    names = []
    for k in kinds:
        origin = typing.get_origin(k)
        names.append(
            "list"
            if origin in (list, tuple)
            else "table"
            if origin is dict
            else getattr(k, "__name__", str(k))
        )
    optional = type(None) in typing.get_args(info.annotation)
    return " or ".join(names) + (" (optional)" if optional else "")


def describe(model: type[BaseModel], key: str) -> KeyInfo:
    """Type, default, range and description of a dotted key.

    Raises:
        UnknownKey: If the key names no field.
    """
    info = field_at(model, key)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        default = default.model_dump(mode="json")
    elif isinstance(default, tuple):
        default = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in default]
    return KeyInfo(
        key=key,
        type=_type_text(info),
        default=default,
        range=range_text(info),
        description=info.description or "",
    )


def get_key(obj: BaseModel, key: str) -> Any:
    """The value of a dotted key in a model instance.

    Raises:
        UnknownKey: If the key names no field.
    """
    node: Any = obj
    for part in key.split("."):
        if not isinstance(node, BaseModel) or part not in type(node).model_fields:
            raise UnknownKey(unknown_key_message(type(obj), key))
        node = getattr(node, part)
    return node


def set_key(model: type[BaseModel], data: dict[str, Any], key: str, value: Any) -> None:
    """Write ``value`` at a dotted key into plain data (a model dump), creating tables.

    The data are validated afterwards by whoever owns them; this only checks that the
    key exists.

    Raises:
        UnknownKey: If the key names no field, or a table.
    """
    field_at(model, key)
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value
