"""Parsing a command line without Pydantic when no value needs it.

Typer converts each option's value through a Pydantic ``TypeAdapter``, built the first time
the option is processed, and Click processes every option of every group on the way to a
command, ``--help`` among them, even when it was not given. Importing Pydantic and building an
adapter costs about 0.2 s of CPU, most of a usage error's time (``hearten analyse --bogus``
or ``hearten trial create`` with its argument missing) and of ``hearten --help``.

:func:`install` gives every option and argument a converter that passes an absent value, and
a flag's ``True`` or ``False``, straight through, and hands any other value to Typer's own
converter, built then and kept for the option (so given values are converted by Typer exactly
as before). ``tests/cli/test_startup.py`` checks that a usage error and
``--help`` import no Pydantic, so a Typer upgrade that moves this hook is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import _TyperParameter

if TYPE_CHECKING:
    from typer._click import Context


@dataclass(frozen=True)
class _Lazy(RuntimeParam):
    """A value converted by Typer's own converter, built only when a value needs it: an absent
    value (handled by :meth:`RuntimeParam.coerce`) and a flag's ``True`` or ``False`` never
    do."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if self.annotation is bool and isinstance(value, bool):
            return value
        typer_own = build_runtime_param(param.type_descriptor)
        param._runtime_param = typer_own  # from now on, Typer's converter directly
        return typer_own._coerce_value(value, param=param, ctx=ctx)


_typer_runtime_param = _TyperParameter.get_runtime_param


def _runtime_param(self: _TyperParameter) -> RuntimeParam:
    if self._runtime_param is None:
        descriptor = self.type_descriptor
        self._runtime_param = _Lazy(descriptor.parameter_info, descriptor.annotation)
    return _typer_runtime_param(self)


def install() -> None:
    """Convert values lazily (module docstring); safe to call twice."""
    _TyperParameter.get_runtime_param = _runtime_param  # type: ignore[method-assign]
