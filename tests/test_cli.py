"""The ``tracker`` command (in-process, one case as a real process): exit codes, messages,
failure isolation, docs."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Project, entry
from tests.fake_arxiv import Fault
from tracker.cli import build_parser
from tracker.sources.query import build_query

REPO = Path(__file__).resolve().parents[1]
CONFIG = """\
keywords:
  - Alpha
  - Beta
arxiv: {delay: 0, backoff: 0, retries: 1}
repository: me/papers
"""


def serve(fake, day: int = 20) -> None:
    fake.feeds = {
        build_query("Alpha"): [entry(f"2608.{day}00{i}v1", f"2026-08-{day}T1{i}:00:00Z")
                               for i in range(3)],
        build_query("Beta"): [entry(f"2608.{day}10{i}v1", f"2026-08-{day}T1{i}:00:00Z")
                              for i in range(2)],
    }


def test_one_failing_keyword_keeps_its_section_and_exits_1(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    readme_before = project.read("README.md")
    beta_before = project.store()["keywords"]["Beta"]["papers"]
    serve(fake_arxiv, day=21)  # new papers for both; Beta's requests fail
    fake_arxiv.fail(Fault("status", status=503), Fault("status", status=503),
                    query=build_query("Beta"))
    result = project.tracker("run", "--today", "2026-08-22")
    assert result.code == 1
    assert "Beta: FAILED: HTTP 503 (after 2 tries); kept its 2 stored papers" in result.err
    assert "2 keywords: 1 fetched, 1 failed: Beta (HTTP 503 (after 2 tries))" in result.err
    store = project.store()["keywords"]
    assert store["Beta"]["papers"] == beta_before
    assert store["Beta"]["last_error"] == "HTTP 503 (after 2 tries)"
    assert store["Beta"]["failing_since"] == "2026-08-22"
    assert len(store["Alpha"]["papers"]) == 6
    readme = project.read("README.md")
    beta_section = readme[readme.index("## Beta"):]
    assert beta_section == readme_before[readme_before.index("## Beta"):]
    assert "Traceback" not in result.err


def test_progress_lines_and_summary(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    result = project.tracker("run", "--today", "2026-08-21")
    lines = result.err.splitlines()
    assert re.fullmatch(r"Alpha: 3 received, 3 new, 3 kept \(\d+\.\d s\)", lines[0])
    assert re.fullmatch(r"Beta: 2 received, 2 new, 2 kept \(\d+\.\d s\)", lines[1])
    assert lines[2].startswith("2 keywords: 2 fetched; 5 new and 0 revised papers; 2 requests")
    assert "store updated; README.md updated; 1 issue file in build/issues" in lines[2]
    assert len(lines) == 3
    quiet = project.tracker("run", "--today", "2026-08-21", "-q")
    assert quiet.code == 0 and quiet.err == ""


def test_fetch_then_render_equals_run(project: Project, fake_arxiv, tmp_path):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    assert project.tracker("fetch", "--today", "2026-08-21").code == 0
    assert not (project.root / "README.md").exists()
    assert project.tracker("render", "--today", "2026-08-21").code == 0
    fetched_then_rendered = project.read("README.md")
    other = Project(tmp_path / "other", project.endpoint)
    other.write_config(CONFIG)
    assert other.tracker("run", "--today", "2026-08-21").code == 0
    assert other.read("README.md") == fetched_then_rendered


def test_render_needs_no_network(project: Project):
    project.write_config(CONFIG)
    result = project.tracker("render", "--today", "2026-08-21",
                             env={"TRACKER_ARXIV_URL": "http://127.0.0.1:1/api/query"})
    assert result.code == 0, result.err
    assert "## Alpha\n| **Title** |" in project.read("README.md")


def test_bad_config_is_one_message_and_exit_2(project: Project):
    project.write_config("keywords:\n  - ok\n  - 42\n")
    result = project.tracker("run")
    assert result.code == 2
    assert result.err == ("config/keywords.yaml:3: keywords[2]: expected a keyword, or a "
                          "mapping with `name:`, got 42 (a number)\n")


def test_missing_config_and_bad_date(project: Project):
    result = project.tracker("validate")
    assert result.code == 2 and "config/keywords.yaml: no such file" in result.err
    result = project.tracker("run", "--today", "2026-02-30")
    assert result.code == 2 and "'2026-02-30' is not a real date" in result.err
    result = project.tracker("run", "--today", "yesterday")
    assert result.code == 2 and "expected a date as YYYY-MM-DD" in result.err


def test_damaged_store_stops_the_run_without_touching_it(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    (project.root / "data").mkdir()
    (project.root / "data" / "papers.json").write_text("{oops")
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 3
    assert result.err.startswith("error: data/papers.json is damaged, not valid JSON")
    assert (project.root / "data" / "papers.json").read_text() == "{oops"
    assert "Traceback" not in result.err and fake_arxiv.requests == []


def test_validate_lists_the_queries(project: Project):
    project.write_config(CONFIG)
    result = project.tracker("validate")
    assert result.code == 0
    assert result.err.splitlines() == [
        "config/keywords.yaml: OK, 2 keywords",
        '  Alpha: ti:"Alpha" AND abs:"Alpha"  [cs, stat]',
        '  Beta: ti:"Beta" AND abs:"Beta"  [cs, stat]',
    ]


def test_github_output_tells_the_workflow_what_happened(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    output = project.root / "github_output"
    project.tracker("run", "--today", "2026-08-21", env={"GITHUB_OUTPUT": str(output)})
    assert output.read_text() == "issues=1\nfailed=0\n"


def parser_options() -> dict[str, dict[str, argparse.Action]]:
    """Every subcommand's options (long names, and positionals by their metavar/dest)."""
    parser = build_parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    options: dict[str, dict[str, argparse.Action]] = {}
    for name, sub in subcommands.choices.items():
        found: dict[str, argparse.Action] = {}
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            names = [s for s in action.option_strings if s.startswith("--")]
            found[names[0] if names else action.dest.upper()] = action
        options[name] = found
    return options


def documented_rows(command: str) -> dict[str, str]:
    """The option table of ``## `tracker COMMAND``` in docs/cli.md: first name -> meaning."""
    docs = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"## `tracker {command}`" in docs, f"docs/cli.md has no section for {command}"
    section = docs.split(f"## `tracker {command}`")[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        match = re.fullmatch(r"\| `([^` ]+)[^|]*\| (.*) \|", line)
        if match and match.group(1) != "option":
            name = match.group(1)
            rows[name if name.startswith("--") or name == "-v" or name == "-q"
                 else name.upper()] = match.group(2)
    return rows


def test_docs_option_tables_match_the_parser():
    """Every option of every command is in its table, no table lists an option that does not
    exist, and every default the parser states is the one the docs state."""
    for command, actions in parser_options().items():
        rows = documented_rows(command)
        expected = {"-v" if name == "--verbose" else "-q" if name == "--quiet" else name
                    for name in actions}
        assert set(rows) == expected, command
        for name, action in actions.items():
            default = re.search(r"\(default: ([^)]+)\)", action.help or "")
            row = rows["-v" if name == "--verbose" else "-q" if name == "--quiet" else name]
            if default and not default.group(1).startswith(("today", "schedule.", "where")):
                assert default.group(1) in row, f"{command} {name}: default {default.group(1)}"
            if isinstance(action.default, float):
                assert f"default {action.default:g}" in row, f"{command} {name}"


def test_running_in_this_repository_keeps_its_documentation(project: Project, fake_arxiv):
    own = (REPO / "README.md").read_text(encoding="utf-8")
    (project.root / "README.md").write_text(own, encoding="utf-8")
    project.write_config(CONFIG)
    serve(fake_arxiv)
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    readme = project.read("README.md")
    before, after = own.split("<!-- tracker:start -->\n"), readme.split("<!-- tracker:start -->\n")
    assert after[0] == before[0]
    assert after[1].split("<!-- tracker:end -->")[1] == before[1].split("<!-- tracker:end -->")[1]
    assert "## Alpha\n| **Title** |" in after[1] and "Title 2608.20000v1" in after[1]


def test_failing_days_before_the_first_fetch_write_nothing(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    fake_arxiv.fail(*[Fault("status", status=503)] * 8)  # 2 days x 2 keywords x 2 tries
    for day in ("2026-08-21", "2026-08-22"):
        result = project.tracker("run", "--today", day)
        assert result.code == 1
        written = sorted(str(p.relative_to(project.root)) for p in project.root.rglob("*")
                         if p.is_file() and p.suffix != ".lock")  # the lock is local, ignored
        assert written == ["config/keywords.yaml"], result.err


def test_a_readme_the_tracker_did_not_write_is_never_replaced(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    (project.root / "README.md").write_text("# My notes\n\nHand-written.\n")
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 3
    assert "README.md was not written by the tracker" in result.err
    assert "<!-- tracker:start -->" in result.err
    assert project.read("README.md") == "# My notes\n\nHand-written.\n"
    assert fake_arxiv.requests == []  # checked before anything is fetched
    # Its own full README (no markers) is the tracker's to rewrite.
    (project.root / "README.md").unlink()
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    serve(fake_arxiv, day=21)
    assert project.tracker("run", "--today", "2026-08-22").code == 0
    assert "Last update: 2026-08-22" in project.read("README.md")


def test_render_keeps_the_issue_files_of_the_last_run(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    issue = project.read("build/issues/issue-1.md")
    assert project.tracker("render", "--today", "2026-08-21").code == 0
    assert project.read("build/issues/issue-1.md") == issue
    # The next run with nothing new clears them: the workflow must not post them again.
    assert project.tracker("run", "--today", "2026-08-22").code == 0
    assert list((project.root / "build" / "issues").iterdir()) == []


def test_sigterm_saves_what_was_fetched_and_exits_143(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    fake_arxiv.latency = 1.5
    process = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--today", "2026-08-21"],
                               cwd=project.root, env=project.environment(),
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()  # Alpha's progress line: Beta's request is under way
    assert first.startswith("Alpha: 3 received")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 143
    rest = process.stderr.read()
    assert "interrupted: the keywords fetched so far were saved" in rest
    assert "Traceback" not in rest
    stored = project.store()["keywords"]
    assert len(stored["Alpha"]["papers"]) == 3 and "Beta" not in stored


def test_help_says_what_each_command_does():
    parser = build_parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subcommands.choices.items():
        assert sub.description, name
        text = sub.format_help()
        fetches = name in ("run", "fetch", "schedule")
        assert ("log each request" in text) == fetches, name
    every = subcommands.choices["schedule"]
    with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()) as err:
        every.parse_args(["--every", "0"])
    assert "expected more than zero seconds, got 0" in err.getvalue()


def test_validate_says_keyword_in_the_singular(project: Project):
    project.write_config("keywords: [Alpha]\n")
    assert project.tracker("validate").err.startswith("config/keywords.yaml: OK, 1 keyword\n")


def test_verbose_logs_each_request(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    result = project.tracker("run", "--today", "2026-08-21", "-v")
    requests = [line for line in result.err.splitlines() if line.startswith("GET ")]
    assert len(requests) == 2 and all(": HTTP 200, " in line for line in requests)
    quiet = project.tracker("run", "--today", "2026-08-21")
    assert not [line for line in quiet.err.splitlines() if line.startswith("GET ")]
