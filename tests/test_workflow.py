"""The GitHub Actions workflow's jobs, run as GitHub would (its shape: ``test_workflow_shape.py``).

The integration tests run the workflow's three jobs with ``tests/workflow_runner.py``:
each job's ``run:`` steps with bash in its own clone of a local bare
repository (standing in for GitHub), the artifact hand-over as a copied
folder, a fake ``gh`` that records its calls and the fake arXiv behind
``TRACKER_ARXIV_URL``. Most tests put a scripted ``tracker`` on ``PATH`` that
writes given outputs and exits with a given code, so that they check what the
workflow does with each outcome; the first ones run the real tracker. What
they cannot cover is listed in README.md ("Daily delivery").
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import entry
from tests.fake_arxiv import FakeArxiv, Fault
from tests.workflow_runner import JobResult, Runner, git, make_origin
from tracker.sources.query import build_query


def step_names(result: JobResult) -> list[str]:
    return [name for name, _ in result.steps]


# --- running the jobs with the real tracker ---


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The new tracker's repository, made once; each runner starts from a copy."""
    root = tmp_path_factory.mktemp("origin")
    make_origin(root / "origin.git", root / "seed")
    return root / "origin.git"


@pytest.fixture
def runner(tmp_path: Path, fake_arxiv: FakeArxiv, origin: Path) -> Runner:
    fake_arxiv.feeds = {
        build_query("Alpha"): [entry("2608.00001v1", "2026-08-19T10:00:00Z"),
                               entry("2608.00002v1", "2026-08-19T09:00:00Z")],
        build_query("Beta"): [entry("2608.00011v1", "2026-08-19T10:00:00Z")],
    }
    return Runner(tmp_path, fake_arxiv.url, origin)


FETCH_STEPS = ["actions/checkout", "actions/setup-python", "Install",
               "Fetch papers and write the outputs", "Hand over the output files",
               "Upload the output files"]
PUBLISH_STEPS = ["actions/checkout", "Download the output files",
                 "Copy the output files into the work tree", "Open the notification issues",
                 "Commit and push"]


def test_a_run_pushes_readme_and_store_and_opens_one_issue_then_nothing_new(runner: Runner):
    results = runner.run_workflow()
    assert step_names(results["fetch"]) == FETCH_STEPS and results["fetch"].ok
    assert step_names(results["publish"]) == PUBLISH_STEPS and results["publish"].ok
    assert not results["deploy-pages"].ran and not runner.deployed
    assert runner.origin_log()[0].startswith("Update papers: ")
    assert len(runner.origin_log()) == 2
    assert runner.origin_changed() == ["README.md", "data/papers.json"]
    assert "## Alpha" in runner.origin_file("README.md")
    assert "<!-- tracker:start -->" in runner.origin_file("README.md")
    issues = runner.gh_calls("issue", "create")
    assert len(issues) == 1 and issues[0]["repo"] == "me/papers" and issues[0]["token"]
    args = issues[0]["args"]
    assert [arg for arg in args if arg.startswith("--label")] == [
        "--label=papers", "--label=new arXiv papers"]
    assert [c["args"] for c in runner.gh_calls("label", "create")] == [
        ["label", "create", "--", "papers"], ["label", "create", "--", "new arXiv papers"]]
    (title,) = [arg.removeprefix("--title=") for arg in args if arg.startswith("--title=")]
    assert re.fullmatch(r"Latest 15 Papers - \w+ \d\d, \d{4}", title)
    body = issues[0]["body"]
    assert body.startswith("**Please check the [Github](https://github.com/me/papers) page")
    assert body.count("| **[") == 3 and "2608.00011v1" in body

    # The token is never printed; GitHub is told to hide its encoded form.
    encoded = base64.b64encode(b"x-access-token:fake-token").decode()
    printed = [line for line in runner.transcript if not line.startswith("::add-mask::")]
    assert runner.transcript and not [line for line in printed
                                      if "fake-token" in line or encoded in line]
    assert f"::add-mask::{encoded}" in runner.transcript

    # A second run with nothing new pushes nothing and opens no issue.
    calls_before, log_before = len(runner.gh_calls()), runner.origin_log()
    results = runner.run_workflow()
    assert results["fetch"].outputs["issues"] == "0"
    assert step_names(results["publish"]) == [step for step in PUBLISH_STEPS
                                              if step != "Open the notification issues"]
    assert results["publish"].ok
    assert runner.origin_log() == log_before
    assert len(runner.gh_calls()) == calls_before


def test_a_failing_keyword_still_publishes_the_others_and_fails_the_run(
        runner: Runner, fake_arxiv: FakeArxiv):
    fake_arxiv.fail(*[Fault("status", status=503)] * 2, query=build_query("Beta"))
    results = runner.run_workflow()
    assert results["fetch"].ok and results["fetch"].outputs["status"] == "1"
    assert results["publish"].steps[-2:] == [("Commit and push", 0),
                                             ("Fail when a keyword failed", 1)]
    store = json.loads(runner.origin_file("data/papers.json"))
    assert len(store["keywords"]["Alpha"]["papers"]) == 2
    assert store["keywords"]["Beta"]["last_error"] == "HTTP 503 (after 2 tries)"


# --- running the jobs with a scripted tracker ---

SCRIPTED_TRACKER = """#!{python}
# Stands in for `tracker run`: writes the files and outputs of {plan}, exits as told.
import json, os, subprocess, sys
from pathlib import Path
plan = json.loads(Path({plan!r}).read_text())
for path, text in plan["files"].items():
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text)
for command in plan["commands"]:
    subprocess.run(command, check=True)
with open(os.environ["GITHUB_OUTPUT"], "a") as out:
    out.write(plan["output"])
seen = {{key: value for key, value in os.environ.items() if key.startswith("TRACKER_")}}
Path({seen!r}).write_text(json.dumps(seen))
sys.exit(plan["exit"])
"""


def issue_file(title: str, labels: str = "papers", body: str = "Body\n") -> str:
    return f"---\ntitle: {title}\nlabels: {labels}\n---\n{body}"


def script_tracker(runner: Runner, files: dict[str, str] | None = None, output: str = "",
                   exit: int = 0, commands: list[list[str]] | None = None) -> Path:
    """Put a scripted ``tracker`` on the runner's PATH; returns where it records its env."""
    plan, seen = runner.root / "plan.json", runner.root / "seen.json"
    plan.write_text(json.dumps({"files": files or {}, "output": output, "exit": exit,
                                "commands": commands or []}))
    runner.write_tool("tracker", SCRIPTED_TRACKER.format(python=sys.executable, plan=str(plan),
                                                         seen=str(seen)))
    return seen


@pytest.fixture
def plain_runner(tmp_path: Path, origin: Path) -> Runner:
    """A runner for scripted trackers: nothing listens at its arXiv address."""
    return Runner(tmp_path, "http://127.0.0.1:9/api/query", origin)


@pytest.mark.parametrize("code", [2, 3, 143])
def test_a_run_that_could_not_proceed_publishes_nothing(plain_runner: Runner, code: int):
    script_tracker(plain_runner, exit=code, output="issues=1\nfailed=0\n",
                   files={"README.md": "changed\n", "build/issues/issue-1.md": issue_file("T"),
                          "site/index.html": "<p>site</p>\n"})
    results = plain_runner.run_workflow()
    assert results["fetch"].steps[-1] == ("Fetch papers and write the outputs", code)
    assert not results["publish"].ran and not results["deploy-pages"].ran
    assert plain_runner.origin_log() == ["Start a tracker"]
    assert plain_runner.gh_calls() == [] and plain_runner.deployed == []


def test_ten_or_more_issues_are_opened_in_numeric_order(plain_runner: Runner):
    files = {f"build/issues/issue-{n}.md": issue_file(f"Part {n}") for n in range(1, 12)}
    script_tracker(plain_runner, files=files, output="issues=11\nfailed=0\n")
    results = plain_runner.run_workflow()
    assert results["publish"].ok
    titles = [call["args"][2] for call in plain_runner.gh_calls("issue", "create")]
    assert titles == [f"--title=Part {n}" for n in range(1, 12)]


def test_a_label_or_title_starting_with_a_dash_is_never_an_option(plain_runner: Runner):
    script_tracker(plain_runner, output="issues=1\n", files={
        "build/issues/issue-1.md": issue_file("--web", labels="-R evil/repo,  --help , ok")})
    assert plain_runner.run_workflow()["publish"].ok
    assert [c["args"] for c in plain_runner.gh_calls("label", "create")] == [
        ["label", "create", "--", "-R evil/repo"], ["label", "create", "--", "--help"],
        ["label", "create", "--", "ok"]]
    (issue,) = plain_runner.gh_calls("issue", "create")
    assert issue["args"][:6] == ["issue", "create", "--title=--web", "--label=-R evil/repo",
                                 "--label=--help", "--label=ok"]
    assert issue["body"] == "Body\n"


@pytest.mark.parametrize("output", ["issues=0\nfailed=0\n", "failed=0\n"])
def test_no_issue_files_opens_no_issue_and_reads_no_file(plain_runner: Runner, output: str):
    script_tracker(plain_runner, output=output, files={"README.md": "new\n"})
    results = plain_runner.run_workflow()
    assert results["publish"].ok
    assert "Open the notification issues" not in step_names(results["publish"])
    assert plain_runner.gh_calls() == []
    assert plain_runner.origin_changed() == ["README.md"]
    assert not [line for line in plain_runner.transcript if "No such file" in line]


def test_outputs_are_committed_the_site_deployed_and_secrets_given_to_the_tracker(
        plain_runner: Runner):
    plain_runner.secrets = {"TRACKER_SMTP_USER": "me", "TRACKER_SMTP_PASSWORD": "pw"}
    seen = script_tracker(plain_runner, output="issues=0\n", files={
        "README.md": "new\n", "data/papers.json": "{}\n", "digests/2026-08-21.md": "d\n",
        "data/digests.json": "[]\n", "data/translations.json": "{}\n",
        "feeds/alpha.xml": "<feed/>\n", "papers/2608.00001.md": "p\n",
        "site/index.html": "<p>site</p>\n", "notes.txt": "not an output\n"})
    results = plain_runner.run_workflow()
    assert results["fetch"].outputs["site"] == "true"
    assert step_names(results["fetch"])[-1] == "Upload the site"
    assert results["publish"].ok and results["deploy-pages"].steps == [("Deploy", 0)]
    assert plain_runner.origin_changed() == [
        "README.md", "data/digests.json", "data/papers.json", "data/translations.json",
        "digests/2026-08-21.md", "feeds/alpha.xml", "papers/2608.00001.md"]
    (site,) = plain_runner.deployed
    assert (site / "index.html").read_text() == "<p>site</p>\n"
    assert json.loads(seen.read_text()) | {"TRACKER_ARXIV_URL": ""} == {
        "TRACKER_SMTP_USER": "me", "TRACKER_SMTP_PASSWORD": "pw", "TRACKER_TRANSLATE_KEY": "",
        "TRACKER_ARXIV_URL": ""}


def test_a_removed_output_file_is_removed_from_the_repository(plain_runner: Runner):
    seed = plain_runner.root / "seed"
    subprocess.run(["git", "clone", "--quiet", str(plain_runner.origin), str(seed)], check=True,
                   capture_output=True)
    (seed / "digests").mkdir()
    (seed / "digests" / "old.md").write_text("old\n")
    (seed / "digests" / "kept.md").write_text("kept\n")
    plain_runner.commit_all(seed, "Add digests")
    script_tracker(plain_runner, output="issues=0\n", files={"digests/new.md": "new\n"},
                   commands=[["rm", "digests/old.md"]])
    assert plain_runner.run_workflow()["publish"].ok
    assert plain_runner.origin_changed() == ["digests/new.md", "digests/old.md"]
    tree = git("--git-dir", str(plain_runner.origin), "ls-tree", "-r", "--name-only", "main",
               "digests", cwd=plain_runner.root).splitlines()
    assert tree == ["digests/kept.md", "digests/new.md"]


PLANT = """
# What code installed in the fetch job could do to its checkout's git.
for hook in pre-commit commit-msg post-commit pre-push post-rewrite reference-transaction \\
            fsmonitor; do
  printf '#!/bin/sh\\necho "$0" >> "%s"\\n' "$1" > ".git/hooks/$hook"
  chmod +x ".git/hooks/$hook"
done
git config core.fsmonitor "$PWD/.git/hooks/fsmonitor"
"""


def plant(work: Path, marker: Path) -> None:
    subprocess.run(["sh", "-c", PLANT, "plant", str(marker)], cwd=work, check=True)


def test_hooks_and_fsmonitor_planted_by_the_fetch_job_never_run(plain_runner: Runner):
    marker = plain_runner.root / "planted-code-ran"
    # The tracker plants them from inside its own step, as a bad dependency could.
    script_tracker(plain_runner, output="issues=0\n", files={"README.md": "new\n"},
                   commands=[["sh", "-c", PLANT, "plant", str(marker)]])
    results = plain_runner.run_workflow()
    assert results["publish"].ok and plain_runner.origin_changed() == ["README.md"]
    assert not marker.exists()
    # The planted code is live in the fetch job's tree: there it runs.
    fetch_tree = results["fetch"].work
    git("-c", "user.name=x", "-c", "user.email=x@example.org", "commit", "--allow-empty",
        "--quiet", "-m", "x", cwd=fetch_tree)
    assert "pre-commit" in marker.read_text() and "fsmonitor" in marker.read_text()


def test_even_planted_in_the_publish_tree_no_hook_or_fsmonitor_runs(plain_runner: Runner):
    marker = plain_runner.root / "planted-code-ran"
    script_tracker(plain_runner, output="issues=0\n", files={"README.md": "new\n"})

    def plant_before_commit(step: str, job: JobResult) -> None:
        if step == "Commit and push":
            assert job.work is not None
            plant(job.work, marker)

    results = plain_runner.run_workflow(before_step=plant_before_commit)
    assert results["publish"].ok and plain_runner.origin_changed() == ["README.md"]
    assert not marker.exists()


def _symlink_to_git_config(outputs: Path) -> None:
    (outputs / "digests").mkdir()
    (outputs / "digests" / "x.md").symlink_to("../../.git/config")


@pytest.mark.parametrize("tamper", [
    pytest.param(_symlink_to_git_config, id="symlink"),
    pytest.param(lambda o: (o / ".github").mkdir() or (o / ".github" / "x.yml").write_text("x"),
                 id="workflow-file"),
    pytest.param(lambda o: (o / "data" / "other.json").write_text("{}"), id="other-data-file"),
    pytest.param(lambda o: (o / "digests").mkdir() or (o / "digests" / ".hidden").write_text("x"),
                 id="hidden-file"),
])
def test_an_artifact_outside_the_output_paths_publishes_nothing(plain_runner: Runner, tamper):
    script_tracker(plain_runner, output="issues=1\n", files={
        "README.md": "new\n", "data/papers.json": "{}\n",
        "build/issues/issue-1.md": issue_file("T")})

    def tamper_with_artifact(job_id: str, result: JobResult) -> None:
        if job_id == "fetch":
            tamper(plain_runner.artifacts / "outputs")

    results = plain_runner.run_workflow(after_job=tamper_with_artifact)
    assert results["publish"].steps[-1] == ("Copy the output files into the work tree", 1)
    assert plain_runner.origin_log() == ["Start a tracker"] and plain_runner.gh_calls() == []


def test_push_is_retried_after_a_rebase_when_main_moved(plain_runner: Runner):
    runner = plain_runner
    script_tracker(runner, output="issues=0\n", files={"README.md": "new\n"})
    other = runner.root / "someone-else"

    def someone_pushes(step: str, job: JobResult) -> None:
        if step == "Commit and push":
            subprocess.run(["git", "clone", "--quiet", str(runner.origin), str(other)],
                           check=True, capture_output=True)
            (other / "NOTES.md").write_text("edited meanwhile\n")
            runner.commit_all(other, "Edit notes")

    results = runner.run_workflow(before_step=someone_pushes)
    assert results["publish"].steps[-1] == ("Commit and push", 0)
    log = runner.origin_log()
    assert log[0].startswith("Update papers: ") and log[1:] == ["Edit notes", "Start a tracker"]
    assert runner.origin_file("NOTES.md") == "edited meanwhile"


def test_a_symlinked_output_folder_in_the_repository_is_never_written_through(
        plain_runner: Runner):
    seed = plain_runner.root / "seed"
    subprocess.run(["git", "clone", "--quiet", str(plain_runner.origin), str(seed)], check=True,
                   capture_output=True)
    (seed / "data").symlink_to(".git")
    plain_runner.commit_all(seed, "Link data to .git")
    script_tracker(plain_runner, output="issues=0\n", files={"README.md": "new\n",
                                                             "data/papers.json": "{}\n"})
    results = plain_runner.run_workflow()
    assert results["publish"].steps[-1] == ("Copy the output files into the work tree", 1)
    assert "./data is a symlink in the repository" in "\n".join(plain_runner.transcript)
    assert plain_runner.origin_log()[0] == "Link data to .git"
    assert not (results["publish"].work / ".git" / "papers.json").exists()
