"""A real SMTP server on 127.0.0.1 for the e-mail tests (``aiosmtpd``), with TLS and login.

``SmtpServer`` records every message it accepts (envelope and parsed
message) and how many SMTP sessions were opened. TLS uses a test CA made on
the spot by ``trustme``; ``ca_file`` is its PEM file, for
``TRACKER_SMTP_CA_FILE``.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
# aiosmtpd logs every session and a deprecation notice about its own login API.
logging.getLogger("mail.log").setLevel(logging.ERROR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps what arrives; ``reply`` can make DATA fail."""

    messages: list[Received] = field(default_factory=list)
    sessions: int = 0
    """SMTP connections opened."""
    replies: list[str] = field(default_factory=list)
    """Answers to give to the next DATA commands instead of accepting (e.g. ``451 later``)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          parsed))  # type: ignore[arg-type]
        return "250 OK"


class _CountingController(Controller):
    def __init__(self, recorder: Recorder, **options: Any):
        super().__init__(recorder, **options)
        self.recorder = recorder

    def factory(self) -> Any:  # called once per connection
        with self.recorder.lock:
            self.recorder.sessions += 1
        return super().factory()


class SmtpServer:
    """``with SmtpServer(security="starttls", login=("user", "secret")) as server: ...``"""

    def __init__(self, tmp: Path, *, security: str = "none",
                 login: tuple[str, str] | None = None):
        self.recorder = Recorder()
        self.port = free_port()
        self.login = login
        self.ca = trustme.CA()
        self.ca_file = tmp / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(HOST, "localhost").configure_cert(context)
        # aiosmtpd counts only STARTTLS as TLS for AUTH, not TLS from the start.
        options: dict[str, Any] = {"auth_require_tls": security == "starttls"}
        if login is not None:
            options["authenticator"] = self._authenticate
        if security == "starttls":
            options["tls_context"] = context
            options["require_starttls"] = True
        self.controller = _CountingController(self.recorder, hostname=HOST, port=self.port,
                                     ssl_context=context if security == "ssl" else None,
                                     server_hostname=HOST, **options)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.login is not None and (
            data.login.decode(), data.password.decode()) == self.login
        return AuthResult(success=ok, handled=False)

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        self.recorder.sessions = 0  # the controller's own check that it is up
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
