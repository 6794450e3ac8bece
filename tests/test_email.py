"""The e-mail output (tracker.outputs.email and .smtp), against a real SMTP server on
127.0.0.1 (tests/smtp_server.py): content, both parts, recipients, login, TLS, retries."""

from __future__ import annotations

import socket
import threading
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import make_paper
from tests.smtp_server import SmtpServer, free_port
from tracker.config import Config, EmailSettings, Keyword, load_config
from tracker.errors import ConfigError, OutputError
from tracker.models import Announcement, Digest, Store
from tracker.outputs import RunNews
from tracker.outputs import email as email_output
from tracker.outputs.smtp import send

HOSTILE = "<script>alert(1)</script> & ]]> \x01\x1b"
LOGIN = {"TRACKER_SMTP_USER": "reader", "TRACKER_SMTP_PASSWORD": "s3cret-pw"}
NEWS = RunNews(today="2026-08-21", new_papers={
    "Time Series": (make_paper("2608.00001", title="Forecasting <b>fast</b> & well"),
                    make_paper("2608.00002", version=3, notified_version=1)),
    "Graph Neural Networks": (make_paper("2608.00003", title=HOSTILE, abstract=HOSTILE),),
})


def settings(port: int, security: str = "none", **fields: object) -> EmailSettings:
    return replace(EmailSettings(host="127.0.0.1", sender="Papers <papers@example.org>",
                                 to=("me@example.org", "you@example.org"), port=port,
                                 security=security), **fields)


def parts(message: EmailMessage) -> dict[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def no_sleep(waits: list[float]):
    return waits.append


# --- what the message says ---


def test_message_has_a_text_and_an_html_part_with_the_new_papers():
    message = email_output.build_message(settings(25), email_output.mail_content(NEWS))
    assert message["Subject"] == "New arXiv papers, 2026-08-21"
    assert message["To"] == "me@example.org, you@example.org"
    body = parts(message)
    text, html = body["text/plain"], body["text/html"]
    assert list(body) == ["text/plain", "text/html"]  # plain first: the last part is preferred
    assert "Time Series (2)\n---------------\n" in text
    assert "* Forecasting <b>fast</b> & well\n" in text
    assert "https://arxiv.org/abs/2608.00002v3" in text and "revised, v3" in text
    assert "Forecasting &lt;b&gt;fast&lt;/b&gt; &amp; well" in html
    assert '<a href="https://arxiv.org/abs/2608.00001v1"' in html
    assert html.index("Time Series") < html.index("Graph Neural Networks")


def test_arxiv_text_is_escaped_in_html_and_control_characters_dropped():
    body = parts(email_output.build_message(settings(25), email_output.mail_content(NEWS)))
    assert "<script>" not in body["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;" in body["text/html"]
    assert "* <script>alert(1)</script> & ]]>\n" in body["text/plain"]
    assert "\x01" not in body["text/plain"] + body["text/html"]
    assert "\x1b" not in body["text/plain"] + body["text/html"]


def test_the_digest_replaces_the_new_papers_when_there_is_one():
    digest = Digest("2026-08-20", (
        Announcement("2608.09999", 2, "A digest paper", ("C. Author",), "Digest abstract.",
                     ("cs.CL",), "replace", "https://arxiv.org/abs/2608.09999v2",
                     keywords=("Time Series",)),))
    content = email_output.mail_content(replace(NEWS, digest=digest, recent_digests=(digest,)))
    message = email_output.build_message(settings(25), content)
    assert message["Subject"] == "arXiv digest, 2026-08-20"
    text = parts(message)["text/plain"]
    assert "A digest paper" in text and "replaced" in text and "matches Time Series" in text
    assert "Forecasting" not in text


def test_subject_placeholders():
    content = email_output.mail_content(NEWS)
    chosen = settings(25, subject="{count} papers on {date}")
    assert email_output.build_message(chosen, content)["Subject"] == "3 papers on 2026-08-21"


# --- sending to a real server ---


def config_with(email: EmailSettings) -> Config:
    return Config(keywords=(Keyword("Time Series"),), email=email)


def test_mail_arrives_once_for_all_recipients_with_login(tmp_path, monkeypatch):
    for name, value in LOGIN.items():
        monkeypatch.setenv(name, value)
    with SmtpServer(tmp_path, login=("reader", "s3cret-pw")) as server:
        assert email_output.write(config_with(settings(server.port)), Store(), NEWS) == []
    assert server.recorder.sessions == 1
    (received,) = server.messages
    assert received.sender == "papers@example.org"
    assert received.recipients == ["me@example.org", "you@example.org"]
    assert received.message["Subject"] == "New arXiv papers, 2026-08-21"
    body = parts(received.message)
    assert "Forecasting" in body["text/plain"] and "Forecasting" in body["text/html"]


def test_nothing_new_sends_nothing_unless_send_empty(tmp_path):
    quiet = RunNews(today="2026-08-22", new_papers={})
    with SmtpServer(tmp_path) as server:
        email_output.write(config_with(settings(server.port)), Store(), quiet)
        assert server.recorder.sessions == 0
        email_output.write(config_with(settings(server.port, send_empty=True)), Store(), quiet)
    (received,) = server.messages
    assert "Nothing new today." in parts(received.message)["text/plain"]


def test_wrong_password_is_reported_without_the_password(tmp_path):
    env = {**LOGIN, "TRACKER_SMTP_PASSWORD": "wrong-pw"}
    with SmtpServer(tmp_path, login=("reader", "s3cret-pw")) as server, \
            pytest.raises(OutputError) as error:
        send(settings(server.port), EmailMessage(), env=env, sleep=no_sleep([]))
    message = str(error.value)
    assert "refused the login (535" in message
    assert "TRACKER_SMTP_USER and TRACKER_SMTP_PASSWORD" in message
    assert "wrong-pw" not in message and server.messages == []


def test_user_without_password_is_a_clear_error():
    with pytest.raises(OutputError, match=r"TRACKER_SMTP_PASSWORD .* is empty or unset"):
        send(settings(free_port()), EmailMessage(), env={"TRACKER_SMTP_USER": "reader"})


def test_starttls_with_a_test_certificate(tmp_path):
    message = email_output.build_message(settings(25), email_output.mail_content(NEWS))
    with SmtpServer(tmp_path, security="starttls", login=("reader", "s3cret-pw")) as server:
        chosen = settings(server.port, "starttls")
        send(chosen, message, env={**LOGIN, "TRACKER_SMTP_CA_FILE": str(server.ca_file)})
        with pytest.raises(OutputError, match=r"certificate could not be verified.*"
                                              r"set TRACKER_SMTP_CA_FILE"):
            send(chosen, message, env=LOGIN)
    assert len(server.messages) == 1
    assert server.messages[0].recipients == ["me@example.org", "you@example.org"]


def test_implicit_tls_with_a_test_certificate(tmp_path):
    with SmtpServer(tmp_path, security="ssl", login=("reader", "s3cret-pw")) as server:
        send(settings(server.port, "ssl"), EmailMessage(),
             env={**LOGIN, "TRACKER_SMTP_CA_FILE": str(server.ca_file)})
    assert len(server.messages) == 1


def test_ssl_against_a_starttls_port_says_to_try_starttls(tmp_path):
    with SmtpServer(tmp_path, security="starttls") as server, \
            pytest.raises(OutputError, match=r"did not answer in TLS .*try `security: starttls`"):
        send(settings(server.port, "ssl"), EmailMessage(),
             env={"TRACKER_SMTP_CA_FILE": str(server.ca_file)}, sleep=no_sleep([]))


def test_starttls_against_an_implicit_tls_port_says_to_try_ssl(tmp_path):
    waits: list[float] = []
    with SmtpServer(tmp_path, security="ssl") as server, \
            pytest.raises(OutputError, match=r"sent no SMTP greeting within 0.3 s.*"
                                             r"try `security: ssl`"):
        send(settings(server.port, "starttls"), EmailMessage(), env={}, timeout=0.3,
             sleep=no_sleep(waits))
    assert waits == []  # a wrong setting is not retried


def test_starttls_missing_on_the_server(tmp_path):
    with SmtpServer(tmp_path) as server, \
            pytest.raises(OutputError, match="does not offer STARTTLS"):
        send(settings(server.port, "starttls"), EmailMessage(), env={})


def test_temporary_failures_are_retried_with_backoff(tmp_path):
    waits: list[float] = []
    with SmtpServer(tmp_path) as server:
        server.recorder.replies = ["451 4.3.0 try later", "421 4.7.0 busy"]
        send(settings(server.port), EmailMessage(), env={}, sleep=no_sleep(waits), backoff=2)
    assert waits == [2, 4]
    assert len(server.messages) == 1 and server.recorder.sessions == 3


def test_temporary_failures_give_up_after_the_retries(tmp_path):
    waits: list[float] = []
    with SmtpServer(tmp_path) as server, \
            pytest.raises(OutputError, match=r"not sent after 4 tries: .* 451 4.3.0 later"):
        server.recorder.replies = ["451 4.3.0 later"] * 5
        send(settings(server.port), EmailMessage(), env={}, sleep=no_sleep(waits))
    assert waits == [5, 10, 20]


def test_a_permanent_refusal_is_not_retried(tmp_path):
    waits: list[float] = []
    with SmtpServer(tmp_path) as server, pytest.raises(OutputError, match="answered 554"):
        server.recorder.replies = ["554 5.7.1 rejected as spam"]
        send(settings(server.port), EmailMessage(), env={}, sleep=no_sleep(waits))
    assert waits == []


def test_a_refused_connection_is_retried_then_reported():
    waits: list[float] = []
    with pytest.raises(OutputError, match=r"not sent after 3 tries: 127.0.0.1:\d+"):
        send(settings(free_port()), EmailMessage(), env={}, sleep=no_sleep(waits), retries=2)
    assert waits == [5, 10]


# --- the config section ---


def load(tmp_path: Path, section: str) -> Config:
    path = tmp_path / "keywords.yaml"
    path.write_text("keywords: [a]\nemail:\n" + section, encoding="utf-8")
    return load_config(path, {})


def problems(tmp_path: Path, section: str) -> str:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, section)
    return str(error.value)


def test_email_defaults(tmp_path):
    email = load(tmp_path, "  host: smtp.example.org\n  from: p@example.org\n"
                           "  to: [me@example.org]\n").email
    assert email == EmailSettings(host="smtp.example.org", sender="p@example.org",
                                  to=("me@example.org",), port=587, security="starttls")
    implicit = load(tmp_path, "  host: h\n  port: 465\n  from: p@example.org\n"
                              "  to: [me@example.org]\n").email
    assert implicit is not None and implicit.security == "ssl"
    assert load(tmp_path, "  host: h\n  security: ssl\n  from: p@example.org\n"
                          "  to: [me@example.org]\n").email.port == 465  # type: ignore[union-attr]


@pytest.mark.parametrize(("section", "expected"), [
    ("  host: h\n", ":2: email: missing `from:`, `to:`"),
    ("  host: h\n  port: 465\n  security: starttls\n  from: a@b.c\n  to: [a@b.c]\n",
     ":2: email: port 465 expects TLS from the start (implicit TLS): use `security: ssl`"),
    ("  host: h\n  port: 587\n  security: ssl\n  from: a@b.c\n  to: [a@b.c]\n",
     ":2: email: port 587 expects a plain greeting and then STARTTLS"),
    ("  host: h\n  security: tls\n  from: a@b.c\n  to: [a@b.c]\n",
     ":4: email.security: expected one of ssl, starttls, none, got 'tls'"),
    ("  host: h\n  from: a@b.c\n  to: [not an address]\n",
     ":5: email.to: item 1: expected an e-mail address"),
    ("  host: h\n  from: a@b.c\n  to: [a@b.c]\n  subject: 'On {day}'\n",
     ":6: email.subject: unknown placeholder {day}"),
    ("  host: h\n  from: a@b.c\n  to: [a@b.c]\n  password_env: my password\n",
     ":6: email.password_env: expected the name of an environment variable"),
    ("  host: h\n  from: a@b.c\n  to: [a@b.c]\n  password: hunter2\n",
     ":6: email.password: unknown key"),
])
def test_email_mistakes_are_reported_with_file_and_line(tmp_path, section, expected):
    message = problems(tmp_path, section)
    assert f"keywords.yaml{expected}" in message, message


def test_a_server_that_hangs_up_before_its_greeting_is_retried():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def hang_up(times: int) -> None:
            for _ in range(times):
                connection, _ = listener.accept()
                connection.close()

        thread = threading.Thread(target=hang_up, args=(2,), daemon=True)
        thread.start()
        waits: list[float] = []
        with pytest.raises(OutputError, match=r"not sent after 2 tries: .*closed"):
            send(settings(port, "starttls"), EmailMessage(), env={}, timeout=5,
                 sleep=no_sleep(waits), retries=1)
        thread.join(5)
    assert waits == [5]
