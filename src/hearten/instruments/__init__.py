"""Validated scales, each declared once (see :mod:`hearten.instruments.base`)."""

from hearten.errors import DesignError
from hearten.instruments.base import Instrument, Item, ResponseOption, Score
from hearten.instruments.swemwbs import SWEMWBS

REGISTRY: dict[str, Instrument] = {i.name: i for i in (SWEMWBS,)}


def get_instrument(name: str) -> Instrument:
    """The instrument called ``name``, or a :class:`DesignError` listing the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise DesignError(f"unknown instrument {name!r}: known instruments are {known}") from None


__all__ = ["REGISTRY", "Instrument", "Item", "ResponseOption", "Score", "get_instrument"]
