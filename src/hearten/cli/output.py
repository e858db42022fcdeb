"""Shared console objects for the CLI.

Both consoles soft-wrap: Rich never breaks a printed line, so a path, a survey link or an
``otpauth://`` key stays whole and copyable wherever the output goes (a terminal wraps long
lines only on screen; a file or pipe gets them intact). Tables are still laid out to the width.
"""

from rich.console import Console

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
