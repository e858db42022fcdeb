"""Validated scales, each declared once (see :mod:`hearten.instruments.base`).

Wording that cannot be bundled (``text_bundled=False``) is loaded from
``$HEARTEN_INSTRUMENT_TEXTS/NAME.toml`` when that file exists: ``items = [...]`` (one text per
item, in published order), and optionally ``prompt`` and ``options`` (labels in the order of
the stored values).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from hearten.errors import DataError, DesignError
from hearten.instruments.base import Instrument, Item, ResponseOption, Score, with_texts
from hearten.instruments.ons4 import ONS4
from hearten.instruments.people import (
    BELONGING,
    CASELOAD,
    MOTIVATION,
    SUPERVISION,
    TURNOVER,
    VALUED,
)
from hearten.instruments.swemwbs import SWEMWBS, WEMWBS
from hearten.instruments.work import CBI_WORK, HSE_INDICATOR, UWES9

REGISTRY: dict[str, Instrument] = {
    i.name: i
    for i in (
        SWEMWBS, WEMWBS, ONS4, UWES9, CBI_WORK, VALUED, BELONGING, TURNOVER, MOTIVATION,
        HSE_INDICATOR, CASELOAD, SUPERVISION,
    )
}  # fmt: skip
TEXTS_ENV = "HEARTEN_INSTRUMENT_TEXTS"


def texts_path(name: str) -> Path | None:
    """Where locally loaded wording for ``name`` would be, if a folder is configured."""
    folder = os.environ.get(TEXTS_ENV)
    return Path(folder) / f"{name}.toml" if folder else None


def get_instrument(name: str) -> Instrument:
    """The instrument called ``name`` (with local wording loaded if there is any), or a
    :class:`DesignError` listing the known ones."""
    try:
        instrument = REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise DesignError(f"unknown instrument {name!r}: known instruments are {known}") from None
    path = texts_path(name)
    if not instrument.text_bundled and path is not None and path.is_file():
        try:
            texts = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{path} is not valid TOML: {exc}") from None
        instrument = with_texts(instrument, texts, str(path))
    return instrument


def require_text(instrument: Instrument) -> None:
    """Refuse to show participants an instrument whose wording is not loaded."""
    if not instrument.text_bundled:
        where = texts_path(instrument.name) or f"${TEXTS_ENV}/{instrument.name}.toml"
        raise DesignError(
            f"{instrument.title}: its wording is not bundled with Hearten; put the licensed "
            f"text in {where} (items = [...] in published order) and try again"
        )


__all__ = [
    "REGISTRY",
    "Instrument",
    "Item",
    "ResponseOption",
    "Score",
    "get_instrument",
    "require_text",
]
