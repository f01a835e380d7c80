"""Errors that reach a person: one line, exit status 2 (bad input or usage).

Every module may raise `LandcheckError`; only the CLI prints it and decides the exit status.
"""

from __future__ import annotations


class LandcheckError(Exception):
    """Bad input or usage. The CLI prints the message on one line and exits with `exit_code` (2)."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message
