"""The e-mail output: one message per run with what is new, sent by SMTP.

What is new is the day's digest when one is configured (``RunNews.digest``),
else the papers the run's notification announces, per keyword
(``RunNews.new_papers``). A day with nothing new sends nothing, unless
``email.send_empty``.

The message is ``multipart/alternative`` (RFC 2046 section 5.1.4): a plain
text part, then an HTML part with the same content. Both come from the Jinja2
templates in ``templates/email/``; the HTML one is rendered with autoescape
on, so arXiv text is always text. Delivery is in ``smtp``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from tracker.config import Config, EmailSettings
from tracker.config.output_settings import DEFAULT_DIGEST_SUBJECT, DEFAULT_SUBJECT
from tracker.models import Announcement, Digest, Paper, Store
from tracker.outputs.feeds import announcement_link
from tracker.outputs.readme import long_date, render
from tracker.resources import templates_dir

if TYPE_CHECKING:
    from email.message import EmailMessage

    from tracker.outputs import RunNews

TEXT_TEMPLATE = "email/message.txt.j2"
HTML_TEMPLATE = "email/message.html.j2"
ANNOUNCE_TYPES = {"new": "new", "cross": "cross-list", "replace": "replaced",
                  "replace-cross": "replaced cross-list"}

log = logging.getLogger("tracker")

# Control characters other than tab and newline: nothing a mail shows, and some break parsers.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: str) -> str:
    return _CONTROL.sub("", value)


@dataclass(frozen=True)
class MailItem:
    """One paper as the mail shows it (plain text; the HTML template escapes it)."""

    title: str
    link: str
    authors: str
    details: str
    """Date, categories and what kind of news it is, on one line."""
    abstract: str


@dataclass(frozen=True)
class MailSection:
    heading: str
    items: tuple[MailItem, ...]


@dataclass(frozen=True)
class MailContent:
    heading: str
    sections: tuple[MailSection, ...]
    digest: bool
    day: str

    @property
    def count(self) -> int:
        return sum(len(section.items) for section in self.sections)


def _one_line(value: str) -> str:
    return " ".join(plain(value).split())


def paper_item(paper: Paper) -> MailItem:
    kind = f"revised, v{paper.version}" if paper.revised else "new"
    details = f"{paper.updated_date} · {', '.join(paper.categories)} · {kind}"
    return MailItem(title=_one_line(paper.title), link=paper.abs_url,
                    authors=_one_line(", ".join(paper.authors)), details=_one_line(details),
                    abstract=_one_line(paper.abstract))


def announcement_item(paper: Announcement) -> MailItem:
    kind = ANNOUNCE_TYPES.get(paper.announce_type, paper.announce_type)
    parts = [", ".join(paper.categories), kind]
    if paper.keywords:
        parts.append("matches " + ", ".join(paper.keywords))
    return MailItem(title=_one_line(paper.title), link=announcement_link(paper),
                    authors=_one_line(", ".join(paper.authors)),
                    details=_one_line(" · ".join(part for part in parts if part)),
                    abstract=_one_line(paper.abstract))


def digest_content(digest: Digest) -> MailContent:
    items = tuple(announcement_item(paper) for paper in digest.papers)
    sections = (MailSection(f"Announced {long_date(digest.date)}", items),) if items else ()
    return MailContent(f"arXiv digest of {long_date(digest.date)}", sections, True, digest.date)


def news_content(new_papers: Mapping[str, tuple[Paper, ...]], day: str) -> MailContent:
    sections = tuple(MailSection(_one_line(name), tuple(paper_item(p) for p in papers))
                     for name, papers in new_papers.items() if papers)
    return MailContent(f"New arXiv papers, {long_date(day)}", sections, False, day)


def mail_content(news: RunNews) -> MailContent:
    """The digest when there is one, else the new papers per keyword."""
    if news.digest is not None:
        return digest_content(news.digest)
    return news_content(news.new_papers, news.today)


def environments(user_templates: Path | None) -> tuple[jinja2.Environment, jinja2.Environment]:
    """(text, HTML) environments: the user's templates first, then the shipped ones."""
    folders = [str(user_templates)] if user_templates and user_templates.is_dir() else []
    folders.append(str(templates_dir()))

    def make(autoescape: bool) -> jinja2.Environment:
        return jinja2.Environment(loader=jinja2.FileSystemLoader(folders), trim_blocks=True,
                                  lstrip_blocks=True, keep_trailing_newline=True,
                                  autoescape=autoescape, undefined=jinja2.StrictUndefined)

    return make(False), make(True)


def subject_line(settings: EmailSettings, content: MailContent) -> str:
    pattern = settings.subject or (DEFAULT_DIGEST_SUBJECT if content.digest else DEFAULT_SUBJECT)
    return pattern.format(date=content.day, count=content.count)


def build_message(settings: EmailSettings, content: MailContent,
                  user_templates: Path | None = None) -> EmailMessage:
    """The whole message: headers, a text part and an HTML part."""
    # The mail modules are loaded only by runs that send mail.
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid, parseaddr

    text_env, html_env = environments(user_templates)
    message = EmailMessage()
    message["Subject"] = subject_line(settings, content)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # Quoted-printable keeps both parts readable in the raw message, and 7-bit safe.
    message.set_content(render(text_env, TEXT_TEMPLATE, mail=content),
                        cte="quoted-printable")
    message.add_alternative(render(html_env, HTML_TEMPLATE, mail=content), subtype="html",
                            cte="quoted-printable")
    return message


def write(config: Config, store: Store, news: RunNews) -> list[Path]:
    """Send the run's mail (when there is news, or ``send_empty``); it writes no file."""
    settings = config.email
    assert settings is not None
    content = mail_content(news)
    if not content.count and not settings.send_empty:
        log.info("e-mail: nothing new, no mail sent")
        return []
    from tracker.outputs.smtp import send

    send(settings, build_message(settings, content, config.paths.templates))
    log.info(f"e-mail: sent {content.count} papers to {len(settings.to)} recipients")
    return []
