"""Delivering one e-mail by SMTP (RFC 5321) with ``smtplib``: TLS, login, retries.

One connection carries the message to every recipient. Temporary failures
(4xx answers, RFC 5321 section 4.2.1, and network errors) are retried with a
doubling wait; everything else ends in one ``OutputError`` that says what to
change. The two TLS modes (RFC 8314): ``ssl`` speaks TLS from the first byte
(port 465), ``starttls`` reads a plain greeting and then upgrades (port 587).
Picking the wrong one is the usual mistake, so both ways it shows are named.

Secrets come from the environment only, and no message here contains them.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from tracker.config import EmailSettings
from tracker.errors import OutputError

CA_FILE_ENV = "TRACKER_SMTP_CA_FILE"
TIMEOUT = 30.0
RETRIES = 3
BACKOFF = 5.0

log = logging.getLogger("tracker")


class _Temporary(Exception):
    """A failure worth another try (a 4xx answer, a dropped or refused connection)."""


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str

    def __repr__(self) -> str:  # never print the password, even in a traceback
        return f"Credentials(user={self.user!r}, password=***)"


def credentials(settings: EmailSettings, env: Mapping[str, str]) -> Credentials | None:
    """The login from the environment; ``None`` (no login) when the user variable is empty."""
    user = env.get(settings.username_env, "")
    if not user:
        return None
    password = env.get(settings.password_env, "")
    if not password:
        raise OutputError(f"the environment variable {settings.username_env} is set but "
                          f"{settings.password_env} (the SMTP password) is empty or unset")
    return Credentials(user, password)


def tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """The system's trusted certificates, plus those in ``$TRACKER_SMTP_CA_FILE`` if set."""
    context = ssl.create_default_context()
    ca_file = env.get(CA_FILE_ENV, "")
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise OutputError(f"{CA_FILE_ENV}={ca_file}: cannot load the certificates: "
                              f"{error}") from None
    return context


class _PlainSMTP(smtplib.SMTP):
    """``smtplib.SMTP`` that remembers whether the TCP connection stood before a timeout.

    Connecting after construction (to tell the two apart) leaves smtplib
    without the host name that STARTTLS checks the certificate against, so
    it is set here.
    """

    connected = False

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)
        self._host = host
        self.connected = True
        return sock


def _where(settings: EmailSettings) -> str:
    return f"{settings.host}:{settings.port}"


def _answer(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {' '.join(text.split())}".strip()


def _connect(settings: EmailSettings, context: ssl.SSLContext,
             timeout: float) -> smtplib.SMTP:
    where = _where(settings)
    if settings.security == "ssl":
        try:
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                    context=context)
        except ssl.SSLCertVerificationError as error:
            raise OutputError(_certificate_problem(where, error)) from None
        except ssl.SSLError as error:
            raise OutputError(
                f"{where} did not answer in TLS ({error.reason or error}): the port expects a "
                "plain greeting first; try `security: starttls` (usually port 587)") from None
    client = _PlainSMTP(timeout=timeout)
    try:
        client.connect(settings.host, settings.port)
    except (TimeoutError, smtplib.SMTPServerDisconnected) as error:
        client.close()
        # smtplib reports a timeout while reading the greeting as a disconnection.
        timed_out = isinstance(error, TimeoutError) or isinstance(error.__context__,
                                                                   TimeoutError)
        if client.connected and timed_out:  # the port took the connection but said nothing
            raise OutputError(
                f"{where} sent no SMTP greeting within {timeout:g} s: the port probably "
                "expects TLS from the start; try `security: ssl` (usually port 465)") from None
        raise
    if settings.security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            client.close()
            raise OutputError(f"{where} does not offer STARTTLS: use `security: ssl` if the "
                              "port expects TLS from the start, or `security: none` for a "
                              "relay without encryption")
        try:
            client.starttls(context=context)
        except ssl.SSLCertVerificationError as error:
            client.close()
            raise OutputError(_certificate_problem(where, error)) from None
    return client


def _certificate_problem(where: str, error: ssl.SSLCertVerificationError) -> str:
    return (f"{where}: the server's certificate could not be verified "
            f"({error.verify_message or error}); if it is signed by your own CA, set "
            f"{CA_FILE_ENV} to that CA's PEM file")


def _login(client: smtplib.SMTP, settings: EmailSettings, login: Credentials | None) -> None:
    if login is None:
        return
    try:
        client.login(login.user, login.password)
    except smtplib.SMTPAuthenticationError as error:
        raise OutputError(
            f"{_where(settings)} refused the login ({_answer(error)}): check the user name "
            f"and password in {settings.username_env} and {settings.password_env}") from None
    except smtplib.SMTPNotSupportedError:
        hint = " (it may offer it only after STARTTLS)" if settings.security == "none" else ""
        raise OutputError(f"{_where(settings)} offers no login (AUTH){hint}; unset "
                          f"{settings.username_env} to send without logging in") from None


def deliver_once(settings: EmailSettings, message: EmailMessage, login: Credentials | None,
                 context: ssl.SSLContext, timeout: float = TIMEOUT) -> None:
    """One SMTP session: connect, secure, log in, send to every recipient.

    Raises ``OutputError`` for what another try cannot fix, ``_Temporary``
    for what it may.
    """
    recipients = [address for _, address in getaddresses(list(settings.to))]
    sender = parseaddr(settings.sender)[1]
    try:
        with _connect(settings, context, timeout) as client:
            _login(client, settings, login)
            refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as error:
        answers = {address: f"{code} {reply.decode('utf-8', 'replace')}"
                   for address, (code, reply) in error.recipients.items()}
        if all(code // 100 == 4 for code, _ in error.recipients.values()):
            raise _Temporary(f"every recipient was refused for now: {answers}") from None
        raise OutputError(f"{_where(settings)} refused every recipient: {answers}") from None
    except smtplib.SMTPResponseException as error:
        if error.smtp_code // 100 == 4:
            raise _Temporary(f"{_where(settings)} answered {_answer(error)}") from None
        hint = ""
        if error.smtp_code == 530 and login is None:
            hint = (f"; the server wants a login: set {settings.username_env} and "
                    f"{settings.password_env}")
        raise OutputError(f"{_where(settings)} answered {_answer(error)}{hint}") from None
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        if isinstance(error, ssl.SSLError):
            raise OutputError(f"{_where(settings)}: TLS failed: {error}") from None
        raise _Temporary(f"{_where(settings)}: {error or type(error).__name__}") from None
    except smtplib.SMTPException as error:
        raise OutputError(f"{_where(settings)}: {error}") from None
    if refused:
        raise OutputError(f"sent, but {_where(settings)} refused some recipients: "
                          + ", ".join(f"{address} ({code})"
                                      for address, (code, _) in refused.items()))


def send(settings: EmailSettings, message: EmailMessage, *,
         env: Mapping[str, str] | None = None, sleep: Callable[[float], None] = time.sleep,
         timeout: float = TIMEOUT, retries: int = RETRIES, backoff: float = BACKOFF) -> None:
    """Send ``message`` to ``settings.to``; retry temporary failures, then ``OutputError``."""
    env = os.environ if env is None else env
    login = credentials(settings, env)
    context = tls_context(env)
    wait = backoff
    for attempt in range(retries + 1):
        try:
            deliver_once(settings, message, login, context, timeout)
            return
        except _Temporary as error:
            if attempt == retries:
                raise OutputError(f"the e-mail was not sent after {retries + 1} tries: "
                                  f"{error}") from None
            log.warning(f"e-mail: {error}; trying again in {wait:g} s")
            sleep(wait)
            wait *= 2
