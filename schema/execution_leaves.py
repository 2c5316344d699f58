"""Generated readers for the plain leaves of a selection set.

Most of an object's answer is attributes that are strings, numbers and enums. For a selection
set whose fields all have compiled steps, one small function is generated (Python source,
compiled once per schema, type and selection) that reads every plain leaf attribute, checks it
with the scalar's own rule written inline (a `str` for String and ID, a 32-bit `int` for Int, a
finite `float` or an `int` a float holds exactly for Float, a `bool` for Boolean, a member of
the enum's class for an enum, the scalar's serialiser for anything else) and returns the
answer's dict, keys in the selection's order, with None where the other fields' values go.
When any leaf is not certain (a null in a non-null field, a value the rule does not cover, an
exception) it returns None and the object is executed field by field instead, where
graphql-core has the last word. Reading attributes has no effect, so nothing is done twice
that could be seen.
"""

import keyword
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    Undefined,
)

LeafReader = Callable[[Any], dict[str, Any] | None]
# (response key, the field's step if it is a plain leaf read, else None)
Selection = Sequence[tuple[str, Any]]

_READERS: "weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[Any, ...], LeafReader]]"
_READERS = weakref.WeakKeyDictionary()


def leaf_reader(schema: GraphQLSchema, type_name: str, selection: Selection) -> LeafReader:
    key = (type_name, *((k, id(step)) for k, step in selection))
    known = _READERS.setdefault(schema, {})
    reader = known.get(key)
    if reader is None:
        reader = known[key] = _generate(selection)
    return reader


def _generate(selection: Selection) -> LeafReader:
    namespace: dict[str, Any] = {"UNDEFINED": Undefined}
    body: list[str] = []
    answer: list[str] = []
    for index, (key, step) in enumerate(selection):
        if step is None:
            answer.append(f"{key!r}: None")
            continue
        value = f"v{index}"
        body += _read(step, index, value, namespace)
        answer.append(f"{key!r}: {value}")
    source = "\n".join(
        [
            "def read(source):",
            "    try:",
            *(f"        {line}" for line in body),
            "    except Exception:",
            "        return None",
            f"    return {{{', '.join(answer)}}}",
        ]
    )
    exec(compile(source, "<selection leaves>", "exec"), namespace)  # noqa: S102 - our own text
    reader: LeafReader = namespace["read"]
    return reader


def _read(step: Any, index: int, value: str, namespace: dict[str, Any]) -> list[str]:
    """Lines that set `value` to the serialised leaf, or return None when it is not certain."""
    name = step.read_name
    if name is not None and name.isidentifier() and not keyword.iskeyword(name):
        lines = [f"{value} = source.{name}"]
    else:
        namespace[f"read{index}"] = step.read
        lines = [f"{value} = read{index}(source)"]
    declared = step.shape.type
    named = declared.of_type if isinstance(declared, GraphQLNonNull) else declared
    # A null in a nullable field is the answer as it is.
    none = "return None" if isinstance(declared, GraphQLNonNull) else "pass"
    check = _check(named, index, value, namespace)
    return [*lines, f"if {value} is None:", f"    {none}", "else:", *(f"    {c}" for c in check)]


def _check(named: Any, index: int, value: str, namespace: dict[str, Any]) -> list[str]:
    if named is GraphQLString or named is GraphQLID:
        return [f"if type({value}) is not str: return None"]
    if named is GraphQLBoolean:
        return [f"if type({value}) is not bool: return None"]
    if named is GraphQLInt:
        return [
            f"if type({value}) is not int or not -2147483648 <= {value} <= 2147483647:",
            "    return None",
        ]
    if named is GraphQLFloat:
        # A finite float as it is; an int that a float holds exactly, as that float.
        return [
            f"if type({value}) is float:",
            f"    if {value} - {value} != 0: return None",
            f"elif type({value}) is int and int(float({value})) == {value}:",
            f"    {value} = float({value})",
            "else:",
            "    return None",
        ]
    wrapped = getattr(named, "wrapped_cls", None)
    if isinstance(named, GraphQLEnumType) and isinstance(wrapped, type):
        # Strawberry's enum serialiser names the definition whose value equals the member's.
        members: Any = wrapped  # an Enum class
        names = {member: _enum_name(named, member) for member in members}
        if all(n is not None for n in names.values()):
            namespace[f"enum{index}"] = wrapped
            namespace[f"names{index}"] = names
            return [
                f"if type({value}) is not enum{index}: return None",
                f"{value} = names{index}[{value}]",
            ]
    # graphql-core raises an exception given as a value, whatever the scalar would make of it.
    namespace[f"serialize{index}"] = named.serialize
    return [
        f"if isinstance({value}, Exception): return None",
        f"{value} = serialize{index}({value})",
        f"if {value} is None or {value} is UNDEFINED: return None",
    ]


def _enum_name(enum_type: GraphQLEnumType, member: Any) -> str | None:
    for name, definition in enum_type.values.items():
        if member.value == definition.value:
            return name
    return None
