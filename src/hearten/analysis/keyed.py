"""Stored JSON objects read into frozen dataclasses and written back key for key.

A run is stored as JSON and read back typed. Every typed part of a stored result derives from
:class:`Keyed`: a frozen, slotted dataclass whose fields are the stored keys (declared in the
order a run stores them) and which reads and writes itself generically:

- :meth:`Keyed.from_json` reads a stored object of any version: a key an older run lacks
  takes the field's default and stays absent when written back (``layout`` keeps the stored
  keys in their order); a key this version does not know is kept in ``extra`` and written back
  unchanged; a key a field needs without a default raises :class:`KeyError` naming it.
- :meth:`Keyed.to_json` writes the stored form: the stored keys in their stored order (an
  object read as ``{}`` writes ``{}``), or, for a result made by this version, every field in
  declaration order and then ``extra``, or only the keys it was made :meth:`~Keyed.storing`
  or all but those it was made :meth:`~Keyed.without` (the one way a new part chooses its
  keys; a key it does not have, or leaving out a field that holds a value, is refused).

A field holding another typed part says so in its metadata, :func:`one` (an object or
``None``) or :func:`many` (a list of them, held as a tuple); ``many()`` with no type holds a
list of plain JSON values as a tuple, :func:`rows` a list of lists as a tuple of tuples,
:func:`mapping` an object as a read-only mapping and :func:`named` an object
of parts by name as a tuple of ``(name, part)`` pairs. However a part is made (read, made
:meth:`~Keyed.of` a result, or constructed), it holds no mutable container: every plain value
it is given (``extra``'s too) is frozen deep, an object as a read-only mapping over a copy and
a list as a tuple, and written back as the object or list, key for key, so the stored JSON is
unchanged and a part never shares a container with the JSON it was read from. Values are
otherwise kept as given (no conversion), so a run stores what it fitted. Two more marks serve
a base shared by two stored shapes: :func:`closing` (stored after the subclass's own fields)
and :func:`unless_none` (a new result stores the key only when it has a value).

:meth:`Keyed.of` makes a part from a frozen result whose fields are the part's stored keys
(a result of :mod:`hearten.stats`, for one), so a run stores what it fitted without retyping
the fields.

Written by hand rather than with pydantic or cattrs: the stored runs' key order and unknown
keys must survive a read and a write per object, and the report reads runs without importing
a validation library (this module imports only the standard library).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Self, TypeVar

#: A JSON object as stored (string keys; numbers, strings, ``None``, lists and objects).
JsonObject = Mapping[str, Any]

_KIND = "hearten.keyed.kind"
_MANY = "hearten.keyed.many"
_ROWS = "hearten.keyed.rows"
_MAPPING = "hearten.keyed.mapping"
_NAMED = "hearten.keyed.named"
_CLOSING = "hearten.keyed.closing"
_UNLESS_NONE = "hearten.keyed.unless_none"
_OWN = ("layout", "extra")


def one(kind: type[Keyed]) -> dict[str, Any]:
    """Field metadata: the field holds one ``kind`` (stored as its object) or ``None``."""
    return {_KIND: kind, _MANY: False}


def many(kind: type[Keyed] | None = None) -> dict[str, Any]:
    """Field metadata: the field holds a tuple of ``kind`` (or of plain JSON values when
    ``kind`` is ``None``), stored as a list."""
    return {_KIND: kind, _MANY: True}


def rows() -> dict[str, Any]:
    """Field metadata: the field holds a tuple of tuples of plain JSON values, stored as a
    list of lists."""
    return {_ROWS: True}


def mapping() -> dict[str, Any]:
    """Field metadata: the field holds a JSON object (or ``None``) as a read-only mapping (a
    :class:`types.MappingProxyType` over a copy; a nested object read-only too and a nested
    list a tuple), stored as the object, key for key."""
    return {_MAPPING: True}


def _frozen(value: Any) -> Any:
    """``value`` with every object in it a read-only mapping over a copy and every list a
    tuple (a typed part is left as it is: it is frozen itself)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _thawed(value: Any) -> Any:
    """A frozen plain value as stored: read-only mappings as objects, tuples as lists."""
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thawed(v) for v in value]
    return value


def named(kind: type[Keyed]) -> dict[str, Any]:
    """Field metadata: the field holds ``(name, kind)`` pairs as a tuple, stored as an object
    of ``kind`` by name (in the pairs' order)."""
    return {_KIND: kind, _NAMED: True}


def closing(meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Field metadata (with ``meta``, :func:`one` for one): the field is stored after every
    field that is not closing, so a base class's closing fields end its subclasses' stored
    objects (dataclass fields otherwise come base first)."""
    return {**(meta or {}), _CLOSING: True}


def unless_none() -> dict[str, Any]:
    """Field metadata: a result made by this version stores the key only when the value is
    not ``None`` (a shared base's key that one of its subclasses never stores)."""
    return {_UNLESS_NONE: True}


def _stored(cls: type[Keyed] | Keyed) -> tuple[Field[Any], ...]:
    """The fields holding stored keys, in the order a new result stores them: the closing
    ones last."""
    known = [f for f in fields(cls) if f.name not in _OWN]
    return (
        *(f for f in known if not f.metadata.get(_CLOSING)),
        *(f for f in known if f.metadata.get(_CLOSING)),
    )


def _read(meta: Mapping[str, Any], value: Any) -> Any:
    if meta.get(_NAMED):
        return tuple((name, meta[_KIND].from_json(v)) for name, v in value.items())
    kind = meta.get(_KIND)
    if kind is None or value is None:
        return value  # a plain value, frozen by Keyed.__post_init__
    if meta.get(_MANY):
        return tuple(kind.from_json(v) for v in value)
    return kind.from_json(value)


def _write(meta: Mapping[str, Any], value: Any) -> Any:
    if meta.get(_NAMED):
        return {name: v.to_json() for name, v in value}
    kind = meta.get(_KIND)
    if kind is None:
        return _thawed(value)
    if meta.get(_MANY):
        return [v.to_json() for v in value]
    return None if value is None else value.to_json()


def _held(meta: Mapping[str, Any], value: Any) -> Any:
    """A field's value as a part holds it: parts in a tuple (pairs for :func:`named`), a plain
    value frozen deep (see the module's docstring)."""
    if meta.get(_NAMED):
        return tuple((name, part) for name, part in value)
    if meta.get(_KIND) is None:
        return _frozen(value)
    return tuple(value) if meta.get(_MANY) and value is not None else value


def _of(meta: Mapping[str, Any], value: Any) -> Any:
    if meta.get(_NAMED):
        return tuple((name, meta[_KIND].of(v)) for name, v in value)
    kind = meta.get(_KIND)
    if kind is None or value is None:
        return value
    if meta.get(_MANY):
        return tuple(kind.of(v) for v in value)
    return kind.of(value)


@dataclass(frozen=True, slots=True)
class Keyed:
    """A typed part of a stored result (see the module's docstring).

    Attributes:
        layout: the stored keys in their stored order; ``None`` for a new part that stores
            every field and then ``extra`` (an empty tuple stores no key: a part read from
            ``{}`` writes ``{}`` back).
        extra: stored keys this version does not know, with their values, in stored order.
    """

    layout: tuple[str, ...] | None = field(default=None, kw_only=True, compare=False, repr=False)
    extra: tuple[tuple[str, Any], ...] = field(default=(), kw_only=True, repr=False)

    def __post_init__(self) -> None:
        """Freeze what this part was given, however it was made (see the module's docstring):
        a frozen dataclass's fields are set once, here, through :func:`object.__setattr__`."""
        for f in _stored(self):
            object.__setattr__(self, f.name, _held(f.metadata, getattr(self, f.name)))
        object.__setattr__(self, "extra", tuple((k, _frozen(v)) for k, v in self.extra))

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The stored keys this version knows, in the order a new run stores them."""
        return tuple(f.name for f in _stored(cls))

    def beside(self, key: str, default: Any = None) -> Any:
        """A key stored beside the known ones (in ``extra``), or ``default``."""
        return dict(self.extra).get(key, default)

    def storing(self, *keys: str) -> Self:
        """This part storing only ``keys``, in that order: a new part whose stored form leaves
        out the fields it has no value for (a section that could not be estimated stores its
        ``note`` alone, say), as runs have always stored it. A key may name one in ``extra``.

        Raises:
            ValueError: a key is neither a field nor in ``extra``, or a field left out holds
                a value other than its default (the stored form would lose it).
        """
        beside = {k for k, _ in self.extra}
        unknown = [k for k in keys if k not in self.keys() and k not in beside]
        if unknown:
            raise ValueError(f"{type(self).__name__} has no {', '.join(unknown)}")
        held = [f.name for f in _stored(self) if f.name not in keys and _holds(self, f)]
        if held:
            raise ValueError(
                f"{type(self).__name__} would not store {', '.join(held)}, which hold values"
            )
        return replace(self, layout=keys)

    def without(self, *keys: str) -> Self:
        """This part storing what it would store but ``keys`` (known ones): :meth:`storing`
        for a new part whose stored form leaves out a few keys (an unlocked plan's
        ``locked_at``); read back, they take their fields' defaults."""
        unknown = [k for k in keys if k not in self.keys()]
        if unknown:
            raise ValueError(f"{type(self).__name__} has no {', '.join(unknown)}")
        return self.storing(*(k for k in self.to_json() if k not in keys))

    def to_json(self) -> dict[str, Any]:
        """The stored form: the stored keys in their stored order (see the module)."""
        stored = _stored(self)
        values = {f.name: _write(f.metadata, getattr(self, f.name)) for f in stored}
        every = {**values, **{k: _thawed(v) for k, v in self.extra}}
        new = (f.name for f in stored if values[f.name] is not None or not _unless(f))
        order = self.layout if self.layout is not None else (*new, *(k for k, _ in self.extra))
        return {k: every[k] for k in order}

    @classmethod
    def of(cls, made: Any) -> Self:
        """This part of a new result, made from ``made``: a frozen dataclass (a result of
        :mod:`hearten.stats`, for one) whose fields are exactly this part's stored keys, in
        their order. Each value is kept as ``made`` holds it (a nested part is made by its
        kind's ``of``), so the part stores what :func:`dataclasses.asdict` would.

        Raises:
            TypeError: ``made``'s fields are not this part's keys in their order (a field
                would be dropped or stored in another place).
        """
        given = tuple(f.name for f in fields(made))
        if given != cls.keys():
            raise TypeError(
                f"{type(made).__name__}'s fields {given} are not {cls.__name__}'s stored keys "
                f"{cls.keys()}"
            )
        return cls(**{f.name: _of(f.metadata, getattr(made, f.name)) for f in _stored(cls)})

    @classmethod
    def from_json(cls, value: JsonObject) -> Self:
        """Read a stored object of any version (see the module's docstring)."""
        return read_keyed(cls, value)


_K = TypeVar("_K", bound=Keyed)


def read_keyed(cls: type[_K], value: JsonObject) -> _K:
    """``cls`` read from a stored object: what :meth:`Keyed.from_json` does, for a subclass
    whose own ``from_json`` checks the stored object first (``super()`` is not available in
    a slotted dataclass's methods)."""
    known = {f.name: f for f in fields(cls) if f.name not in _OWN}
    given = {name: _read(f.metadata, value[name]) for name, f in known.items() if name in value}
    try:
        return cls(
            **given,
            layout=tuple(value),
            extra=tuple((k, v) for k, v in value.items() if k not in known),
        )
    except TypeError as e:  # a field without a default is absent from the stored object
        missing = [n for n, f in known.items() if n not in value and _required(f)]
        raise KeyError(
            f"the stored {cls.__name__} lacks {', '.join(missing) or 'a required key'}"
        ) from e


def _unless(f: Field[Any]) -> bool:
    return bool(f.metadata.get(_UNLESS_NONE))


def _required(f: Field[Any]) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def _holds(part: Keyed, f: Field[Any]) -> bool:
    """``part``'s field ``f`` holds a value other than its default (a required one always)."""
    if f.default is not MISSING:
        default = f.default
    elif f.default_factory is not MISSING:
        default = f.default_factory()
    else:
        return True
    return bool(getattr(part, f.name) != default)
