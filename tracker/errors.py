"""Exceptions that end in one clear message for the user, never a traceback."""

from __future__ import annotations


class TrackerError(Exception):
    """Base class: ``str(error)`` is the whole message shown to the user.

    Raised out of a run, it means the run could not proceed and wrote nothing
    (exit code 3).
    """

    exit_code = 3


class ConfigError(TrackerError):
    """The configuration file (or a command-line value) is wrong."""

    exit_code = 2


class StoreError(TrackerError):
    """The JSON store cannot be read or written safely."""


class LockBusyError(TrackerError):
    """Another tracker process holds the store's lock."""


class OutputError(TrackerError):
    """An output file (README, issue files) cannot be written safely."""


class FetchError(TrackerError):
    """One keyword's fetch failed; the run goes on with the other keywords.

    ``requests`` and ``bytes`` count what the failed attempt cost.
    """

    def __init__(self, cause: str, requests: int = 0, bytes: int = 0):
        super().__init__(cause)
        self.requests = requests
        self.bytes = bytes


class Interrupted(Exception):
    """A stop was requested (Ctrl-C, SIGTERM in the scheduler): end the run early and save."""
