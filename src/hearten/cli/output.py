"""Shared console objects for the CLI."""

from rich.console import Console

out = Console()
err = Console(stderr=True)
