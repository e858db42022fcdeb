"""Typed parts of stored results: read any version's JSON, write it back key for key."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from hearten.analysis.keyed import Keyed, many, one


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
    assert read.beside("future") == {"k": [1, 2]}
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
