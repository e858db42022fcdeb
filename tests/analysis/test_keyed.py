"""Typed parts of stored results: read any version's JSON, write it back key for key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from hearten.analysis.keyed import (
    Keyed,
    closing,
    many,
    mapping,
    named,
    one,
    rows,
    unless_none,
)


@dataclass(frozen=True, slots=True)
class _Inner(Keyed):
    x: float
    label: str | None = None


@dataclass(frozen=True, slots=True)
class _Outer(Keyed):
    name: str
    inner: _Inner | None = field(default=None, metadata=one(_Inner))
    items: tuple[_Inner, ...] = field(default=(), metadata=many(_Inner))
    tags: tuple[str, ...] = field(default=(), metadata=many())
    note: str | None = None


def test_a_stored_object_reads_typed_and_writes_back_in_its_own_key_order() -> None:
    stored = {"tags": ["a", "b"], "name": "n", "items": [{"x": 1.0}, {"label": "l", "x": 2.0}],
              "inner": None}  # fmt: skip
    read = _Outer.from_json(stored)
    assert read.name == "n"
    assert read.items == (_Inner(1.0), _Inner(2.0, "l"))
    assert read.tags == ("a", "b")
    assert read.note is None  # absent: the field's default
    back = read.to_json()
    assert json.dumps(back) == json.dumps(stored)  # same keys, same order, "note" still absent


def test_keys_this_version_does_not_know_are_kept_and_written_back() -> None:
    stored = {"name": "n", "future": {"k": [1, 2]}, "note": "kept"}
    read = _Outer.from_json(stored)
    assert read.beside("future") == {"k": (1, 2)}  # held frozen, written back as stored
    assert read.beside("absent", 7) == 7
    assert json.dumps(read.to_json()) == json.dumps(stored)


def test_a_result_made_by_this_version_writes_every_field_in_declaration_order() -> None:
    made = _Outer("n", inner=_Inner(0.5), tags=("t",))
    assert made.to_json() == {"name": "n", "inner": {"x": 0.5, "label": None}, "items": [],
                              "tags": ["t"], "note": None}  # fmt: skip
    assert list(made.to_json()) == list(_Outer.keys())
    assert _Outer.from_json(made.to_json()) == made


def test_a_stored_object_without_a_required_key_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="the stored _Inner lacks x"):
        _Inner.from_json({"label": "no x"})


@dataclass(frozen=True, slots=True, kw_only=True)
class _Shared(Keyed):
    kind: str | None = field(default=None, metadata=unless_none())
    name: str
    at: str | None = field(default=None, metadata=closing())


@dataclass(frozen=True, slots=True, kw_only=True)
class _Own(_Shared):
    spans: tuple[tuple[str, ...], ...] = field(default=(), metadata=rows())
    inner: _Inner | None = field(default=None, metadata=one(_Inner))


def test_a_base_s_closing_fields_end_and_a_key_unless_none_is_left_out() -> None:
    assert _Own.keys() == ("kind", "name", "spans", "inner", "at")
    made = _Own(name="n", spans=(("a", "b"),), at="t")
    assert json.dumps(made.to_json()) == json.dumps(
        {"name": "n", "spans": [["a", "b"]], "inner": None, "at": "t"}
    )
    assert next(iter(_Own(kind="k", name="n").to_json())) == "kind"
    stored = {"kind": None, "at": None, "name": "n", "spans": [["x"]]}
    read = _Own.from_json(stored)
    assert read.spans == (("x",),)  # a tuple of tuples: nothing mutable is held
    assert json.dumps(read.to_json()) == json.dumps(stored)  # a stored None stays


@dataclass(frozen=True, slots=True)
class _Fit:
    name: str
    spans: tuple[tuple[str, str], ...]
    inner: _InnerFit | None
    kind: str | None = None
    at: str | None = None


@dataclass(frozen=True, slots=True)
class _InnerFit:
    x: float
    label: str | None


def test_a_part_is_made_from_a_result_with_its_fields_in_their_order_only() -> None:
    from dataclasses import asdict

    fit = _Fit("n", (("a", "b"),), _InnerFit(1.0, None))
    with pytest.raises(TypeError, match="are not _Own's stored keys"):
        _Own.of(fit)  # kind comes first in _Own, last but one in _Fit
    made = _Inner.of(_InnerFit(2.0, "l"))
    assert made == _Inner(2.0, "l")
    assert made.to_json() == asdict(_InnerFit(2.0, "l"))


@dataclass(frozen=True, slots=True)
class _OwnFit:
    kind: str | None
    name: str
    spans: tuple[list[str], ...]
    inner: _InnerFit | None
    at: str | None


def test_a_part_made_from_a_result_stores_what_asdict_would() -> None:
    from dataclasses import asdict

    fit = _OwnFit("k", "n", (["a", "b"],), _InnerFit(1.0, None), "t")
    made = _Own.of(fit)
    assert made.spans == (("a", "b"),)
    assert made.inner == _Inner(1.0)
    assert json.dumps(made.to_json()) == json.dumps(asdict(fit))


@dataclass(frozen=True, slots=True)
class _Named(Keyed):
    by_name: tuple[tuple[str, _Inner], ...] = field(default=(), metadata=named(_Inner))


def test_a_part_made_without_some_keys_stores_the_rest_in_declaration_order() -> None:
    made = _Outer("n", note="kept").without("inner", "items")
    assert json.dumps(made.to_json()) == json.dumps({"name": "n", "tags": [], "note": "kept"})
    assert _Outer.from_json(made.to_json()) == made  # the absent fields read as defaults
    with pytest.raises(ValueError, match="_Outer has no layout, nothing"):
        made.without("layout", "nothing")


def test_parts_by_name_are_held_as_pairs_and_stored_as_an_object() -> None:
    stored = {"by_name": {"b": {"x": 2.0}, "a": {"label": "l", "x": 1.0}}}
    read = _Named.from_json(stored)
    assert read.by_name == (("b", _Inner(2.0)), ("a", _Inner(1.0, "l")))
    assert json.dumps(read.to_json()) == json.dumps(stored)
    made = _Named(by_name=(("a", _Inner(1.0)),))
    assert made.to_json() == {"by_name": {"a": {"x": 1.0, "label": None}}}
    absent = _Named.from_json({"future": 1})
    assert (absent.by_name, absent.to_json()) == ((), {"future": 1})


def test_an_empty_stored_form_stays_empty() -> None:
    read = _Named.from_json({})
    assert read.layout == ()  # stored with no key, not a new part storing every field
    assert read.to_json() == {}
    assert _Named.from_json(read.to_json()) == read
    made = _Named()
    assert made.storing().to_json() == {}
    assert made.without(*_Named.keys()).to_json() == {}
    assert made.layout is None  # a new part: every field
    assert made.to_json() == {"by_name": {}}


@dataclass(frozen=True, slots=True)
class _Held(Keyed):
    flat: Any = field(default=None, metadata=mapping())
    nested: Any = field(default=None, metadata=mapping())
    values: tuple[float, ...] | None = field(default=None, metadata=many())
    table: tuple[tuple[Any, ...], ...] = field(default=(), metadata=rows())
    plain: Any = None


def _stored_held() -> dict[str, Any]:
    return {
        "flat": {"a": 1.0, "b": None},
        "nested": {"x": {"g": 0.2, "ci": [0.1, 0.3]}, "y": None},
        "values": [1.0, 2.0],
        "table": [["a", 1, 0.5], ["b", 2, 0.25]],
        "plain": {"k": [1]},
        "future": {"z": [3]},
    }


def _refuses_change(part: _Held) -> None:
    with pytest.raises(TypeError):
        part.flat["a"] = 9.0
    with pytest.raises(TypeError):
        part.nested["x"]["g"] = 9.0
    with pytest.raises(AttributeError):
        part.nested["x"]["ci"].append(9.0)
    with pytest.raises(AttributeError):
        part.values.append(9.0)  # type: ignore[union-attr]
    with pytest.raises(AttributeError):
        part.table[0].append(9.0)  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        part.plain["k"] = 9
    with pytest.raises(TypeError):
        part.beside("future")["z"] = 9


@pytest.mark.parametrize("made", ["read", "constructed", "replaced"])
def test_a_part_holds_no_container_it_was_given_and_none_can_be_changed(made: str) -> None:
    stored = _stored_held()
    if made == "read":
        part = _Held.from_json(stored)
    else:
        given = {k: v for k, v in stored.items() if k != "future"}
        part = _Held(**given, extra=(("future", stored["future"]),))
        if made == "replaced":
            part = replace(part, plain=stored["plain"])
    text = json.dumps(part.to_json())
    assert text == json.dumps(_stored_held())  # written back as stored, key for key
    stored["flat"]["a"] = 9.0  # the stored JSON changed after the part was made ...
    stored["nested"]["x"]["ci"].append(9.0)
    stored["values"].append(9.0)
    stored["table"][0][1] = 9
    stored["plain"]["k"].append(9)
    stored["future"]["z"].append(9)
    assert json.dumps(part.to_json()) == text  # ... does not change the part
    assert part.flat["a"] == 1.0
    assert part.flat.get("b") is None
    assert list(part.flat) == ["a", "b"]
    assert part.nested["x"]["ci"] == (0.1, 0.3)
    _refuses_change(part)


def test_a_missing_or_none_container_stays_none() -> None:
    assert _Held.from_json({"values": None}).to_json() == {"values": None}
    assert _Held().to_json()["values"] is None


def test_storing_refuses_an_unknown_key_and_a_field_it_would_lose() -> None:
    made = _Outer("n", note="kept", extra=(("future", 1),))
    assert made.storing("note", "name", "future").to_json() == {"note": "kept", "name": "n",
                                                                "future": 1}  # fmt: skip
    with pytest.raises(ValueError, match="_Outer has no naem"):
        made.storing("naem", "note")
    with pytest.raises(ValueError, match="_Outer would not store note, which hold values"):
        made.storing("name")
    with pytest.raises(ValueError, match="_Outer would not store name, which hold values"):
        _Outer("n").storing("note")  # a required field always holds a value
    with pytest.raises(ValueError, match="_Outer would not store name, note"):
        made.without("name", "note")
    assert _Outer("n", tags=()).storing("name").to_json() == {"name": "n"}  # defaults only
