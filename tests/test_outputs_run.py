"""E-mail and feeds through the real ``tracker run``: the fake arXiv and an SMTP server on
127.0.0.1, the command in-process (and once as a real process)."""

from __future__ import annotations

import feedparser

from tests.conftest import GOLDEN, Project, entry
from tests.smtp_server import SmtpServer
from tracker.sources.query import build_query

README = "# Our reading list\n\n<!-- tracker:start -->\n<!-- tracker:end -->\n\nBye.\n"


def config(port: int, security: str = "none") -> str:
    return f"""\
keywords:
  - Alpha
  - Beta Gamma
arxiv: {{delay: 0, backoff: 0, retries: 1}}
repository: me/papers
email:
  host: 127.0.0.1
  port: {port}
  security: {security}
  from: Papers <papers@example.org>
  to: [me@example.org, you@example.org]
feeds:
  path: feeds
"""


def serve(fake, day: int) -> None:
    fake.feeds = {
        build_query("Alpha"): [entry(f"2608.{day}00{i}v1", f"2026-08-{day}T1{i}:00:00Z",
                                     title=f"Alpha <{i}> & co")
                               for i in range(3)],
        build_query("Beta Gamma"): [entry(f"2608.{day}10{i}v1", f"2026-08-{day}T1{i}:00:00Z")
                                    for i in range(2)],
    }


def setup(project: Project, fake, port: int, security: str = "none") -> None:
    project.write_config(config(port, security))
    (project.root / "README.md").write_text(README, encoding="utf-8")
    serve(fake, 20)


def feed_files(project: Project) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (project.root / "feeds").iterdir()}


def test_run_mails_the_new_papers_and_writes_the_feeds(project: Project, fake_arxiv, tmp_path):
    login = {"TRACKER_SMTP_USER": "reader", "TRACKER_SMTP_PASSWORD": "pw-123"}
    with SmtpServer(tmp_path, login=("reader", "pw-123")) as server:
        setup(project, fake_arxiv, server.port)
        result = project.tracker("run", "--today", "2026-08-21", env=login)
        assert result.code == 0, result.err
        assert server.recorder.sessions == 1
        (received,) = server.messages
        assert received.recipients == ["me@example.org", "you@example.org"]
        assert received.message["Subject"] == "New arXiv papers, 2026-08-21"
        text, html = (part.get_content() for part in received.message.iter_parts())
        assert "Alpha (3)" in text and "Beta Gamma (2)" in text
        assert "* Alpha <2> & co" in text and "Alpha &lt;2&gt; &amp; co" in html
        assert "pw-123" not in result.err

        files = feed_files(project)
        assert sorted(files) == ["alpha.xml", "beta-gamma.xml"]
        alpha = feedparser.parse(files["alpha.xml"])
        assert [item.id for item in alpha.entries] == [
            "https://arxiv.org/abs/2608.20002v1", "https://arxiv.org/abs/2608.20001v1",
            "https://arxiv.org/abs/2608.20000v1"]
        assert alpha.entries[0].title == "Alpha <2> & co"
        readme = project.read("README.md")
        assert "## Alpha\n[Atom feed](feeds/alpha.xml)\n\n| **Title** |" in readme
        assert "## Beta Gamma\n[Atom feed](feeds/beta-gamma.xml)\n\n" in readme

        # The next day arXiv has nothing new: no mail, and no feed file is touched.
        stamps = {path: path.stat().st_mtime_ns for path in (project.root / "feeds").iterdir()}
        result = project.tracker("run", "--today", "2026-08-22", env=login)
        assert result.code == 0, result.err
        assert len(server.messages) == 1 and server.recorder.sessions == 1
        assert feed_files(project) == files
        assert {path: path.stat().st_mtime_ns for path in stamps} == stamps


def test_a_failed_mail_fails_only_the_email_output(project: Project, fake_arxiv, tmp_path):
    with SmtpServer(tmp_path, login=("reader", "pw-123")) as server:
        setup(project, fake_arxiv, server.port)
        result = project.tracker("run", "--today", "2026-08-21",
                                 env={"TRACKER_SMTP_USER": "reader",
                                      "TRACKER_SMTP_PASSWORD": "not-the-password"})
    assert result.code == 1
    assert "email: FAILED:" in result.err and "refused the login (535" in result.err
    assert "not-the-password" not in result.err
    assert server.messages == []
    assert len(project.store()["keywords"]["Alpha"]["papers"]) == 3  # the store is safe
    assert "[Atom feed](feeds/alpha.xml)" in project.read("README.md")
    assert sorted(feed_files(project)) == ["alpha.xml", "beta-gamma.xml"]


def test_real_command_sends_over_starttls(project: Project, fake_arxiv, tmp_path):
    with SmtpServer(tmp_path, security="starttls", login=("reader", "pw-123")) as server:
        setup(project, fake_arxiv, server.port, "starttls")
        result = project.tracker("run", "--today", "2026-08-21", subprocess=True,
                                 env={"TRACKER_SMTP_USER": "reader",
                                      "TRACKER_SMTP_PASSWORD": "pw-123",
                                      "TRACKER_SMTP_CA_FILE": str(server.ca_file)})
    assert result.code == 0, result.err
    (received,) = server.messages
    assert [part.get_content_type() for part in received.message.iter_parts()] == [
        "text/plain", "text/html"]


def test_full_readme_stays_byte_for_byte_with_feeds_on(project: Project, fake_arxiv,
                                                       golden_feeds):
    fake_arxiv.feeds = golden_feeds
    golden = (GOLDEN / "keywords.yaml").read_text(encoding="utf-8")
    project.write_config(golden + "feeds:\n  path: feeds\n")
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 0, result.err
    assert (project.root / "README.md").read_bytes() == (GOLDEN / "README.md").read_bytes()
    assert len(feed_files(project)) == golden.count("\n  - ")


def test_fetch_and_render_never_send_mail(project: Project, fake_arxiv, tmp_path):
    """Only `tracker run` announces: `fetch` then `render` write the README and the feeds, and
    the papers they show wait for the next `tracker run` to be mailed, once."""
    with SmtpServer(tmp_path) as server:
        setup(project, fake_arxiv, server.port)
        assert project.tracker("fetch", "--today", "2026-08-21").code == 0
        result = project.tracker("render", "--today", "2026-08-21")
        assert result.code == 0, result.err
        assert "feeds: 2 files written" in result.err
        assert server.recorder.sessions == 0 and server.messages == []
        assert project.tracker("run", "--today", "2026-08-21").code == 0
        assert server.recorder.sessions == 1
        assert project.tracker("render", "--today", "2026-08-21").code == 0
        assert server.recorder.sessions == 1
