"""Settings of the optional outputs: ``email:`` (SMTP) and ``feeds:`` (Atom files).

Each section is optional; ``Config.email`` / ``Config.feeds`` is ``None`` when
it is absent. The loader checks each key with the checkers in ``EMAIL_KEYS``
and ``FEED_KEYS``, then builds the settings with ``from_mapping``, which adds
the checks that involve more than one key.

Ports and TLS follow RFC 8314 ("Cleartext Considered Obsolete"): port 465 is
SMTP submission over implicit TLS, port 587 is submission with STARTTLS.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.config import validators
from tracker.config.validators import Checker, Invalid

SECURITY_MODES = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
IMPLICIT_TLS_PORT = 465
STARTTLS_PORT = 587
SUBJECT_FIELDS = ("date", "count")
DEFAULT_SUBJECT = "New arXiv papers, {date}"
DEFAULT_DIGEST_SUBJECT = "arXiv digest, {date}"
DIGEST_SLUG = "digest"


def security(value: Any) -> str:
    checked = validators.text(value)
    if checked not in SECURITY_MODES:
        raise Invalid(f"expected one of {', '.join(SECURITY_MODES)}, got {checked!r}")
    return checked


def env_name(value: Any) -> str:
    """The name of an environment variable (the secret itself never goes in the config)."""
    checked = validators.text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", checked):
        raise Invalid(f"expected the name of an environment variable (like TRACKER_SMTP_USER), "
                      f"got {checked!r}")
    return checked


# A bare address, or a display name and the address in angle brackets.
_BARE, _NAMED = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+"), re.compile(r"[^<>@,;]*<([^<>]+)>")


def address(value: Any) -> str:
    """One e-mail address, bare (``me@example.org``) or with a name (``Me <me@example.org>``).

    Checked with a regular expression rather than ``email.utils`` so that
    loading the config stays cheap.
    """
    checked = validators.text(value)
    named = _NAMED.fullmatch(checked)
    bare = named.group(1) if named else checked
    if not checked.isprintable() or not _BARE.fullmatch(bare):
        raise Invalid(f"expected an e-mail address, got {checked!r}")
    return checked


def subject(value: Any) -> str:
    """A subject line; ``{date}`` and ``{count}`` are filled in when the mail is sent."""
    checked = validators.heading(value)
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(checked) if name is not None]
    except ValueError as error:
        raise Invalid(f"{checked!r}: {error} (write {{{{ and }}}} for literal braces)") from None
    unknown = [name for name in fields if name not in SUBJECT_FIELDS]
    if unknown:
        raise Invalid(f"unknown placeholder {{{unknown[0]}}} (known: "
                      f"{', '.join('{' + name + '}' for name in SUBJECT_FIELDS)})")
    return checked


@dataclass(frozen=True)
class EmailSettings:
    """``email:``: one message per run with what is new, sent by SMTP."""

    host: str
    sender: str
    """The ``from:`` address."""
    to: tuple[str, ...]
    port: int = STARTTLS_PORT
    security: str = "starttls"
    username_env: str = "TRACKER_SMTP_USER"
    password_env: str = "TRACKER_SMTP_PASSWORD"
    subject: str | None = None
    """``None``: ``DEFAULT_SUBJECT`` (or ``DEFAULT_DIGEST_SUBJECT`` for a digest)."""
    send_empty: bool = False

    @classmethod
    def from_mapping(cls, fields: dict[str, Any]) -> EmailSettings:
        """Settings from the checked keys of the section; ``Invalid`` for what is missing."""
        missing = [key for key in ("host", "from", "to") if key not in fields]
        if missing:
            raise Invalid("missing " + ", ".join(f"`{key}:`" for key in missing))
        if fields["to"] == ():
            raise Invalid("`to:` lists no address")
        port, mode = fields.get("port"), fields.get("security")
        if mode is None:
            mode = "ssl" if port == IMPLICIT_TLS_PORT else "starttls"
        if port is None:
            port = DEFAULT_PORTS[mode]
        if port == IMPLICIT_TLS_PORT and mode != "ssl":
            raise Invalid(f"port 465 expects TLS from the start (implicit TLS): "
                          f"use `security: ssl`, not {mode}")
        if port == STARTTLS_PORT and mode == "ssl":
            raise Invalid("port 587 expects a plain greeting and then STARTTLS: "
                          "use `security: starttls`, not ssl")
        if fields.get("username_env") is not None and fields.get("username_env") == fields.get(
                "password_env"):
            raise Invalid("`username_env` and `password_env` name the same variable")
        values = {key: value for key, value in fields.items()
                  if key not in ("from", "port", "security") and value is not None}
        return cls(sender=fields["from"], port=port, security=mode, **values)


@dataclass(frozen=True)
class FeedSettings:
    """``feeds:``: one Atom feed per keyword and one for the digest."""

    path: Path = Path("feeds")

    @classmethod
    def from_mapping(cls, fields: dict[str, Any]) -> FeedSettings:
        return cls(**{key: value for key, value in fields.items() if value is not None})


def feed_name_problem(slugs: dict[str, str]) -> str | None:
    """A keyword (name -> slug) whose feed file would be the digest's feed, ``digest.xml``."""
    for name, slug in slugs.items():
        if slug == DIGEST_SLUG:
            return (f"keyword {name!r} would have the file name of the digest's feed "
                    f"({DIGEST_SLUG}.xml); rename the keyword")
    return None


EMAIL_KEYS: dict[str, Checker] = {
    "host": validators.text,
    "port": validators.integer(1, 65535),
    "security": security,
    "username_env": env_name,
    "password_env": env_name,
    "from": address,
    "to": validators.text_list(address),
    "subject": subject,
    "send_empty": validators.boolean,
}

FEED_KEYS: dict[str, Checker] = {
    "path": validators.path,
}
