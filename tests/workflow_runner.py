"""GitHub's side of the daily workflow, played locally: runs its jobs' steps with bash.

``Runner`` keeps an origin (a local bare repository standing in for GitHub),
a folder of stand-in tools on ``PATH`` (a ``gh`` that records its calls, a
``python`` whose ``-m pip install .`` is a no-op because the tracker under test
is installed already, and ``tracker``), and an artifact store. It runs the
jobs in file order, honouring ``needs`` and ``if``, and plays the few actions
the workflow uses: ``actions/checkout`` is a fresh clone of the origin per
job, ``setup-python`` is the current interpreter, the artifact actions copy
folders in and out of the store, and ``deploy-pages`` records what it was
given. Only the expression forms the workflow uses are understood; any other
fails the test, so a change to the workflow cannot slip past unplayed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "daily.yml"


def load_workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


FAKE_GH = r"""#!/bin/bash
# Records each call as one line: GH_REPO, GH_TOKEN, then the arguments, each
# ended by \x1f; the body file of a call is copied beside the log.
number=$(wc -l < "$FAKE_GH_LOG" 2>/dev/null || echo 0)
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[i]}" = --body-file ]; then cp "${args[i + 1]}" "$FAKE_GH_LOG.body-$number"; fi
done
{ printf '%s\x1f' "${GH_REPO-}" "${GH_TOKEN-}" "$@"; printf '\n'; } >> "$FAKE_GH_LOG"
if [ "$1 $2" = "issue create" ]; then echo "https://github.com/me/papers/issues/1"; fi
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


def commit_all(work: Path, message: str) -> None:
    who = ("-c", "user.name=Someone", "-c", "user.email=someone@example.org")
    git(*who, "add", "--all", cwd=work)
    git(*who, "commit", "--quiet", "-m", message, cwd=work)
    git("push", "--quiet", "origin", "HEAD:main", cwd=work)


def make_origin(origin: Path, seed: Path) -> None:
    """A bare repository holding a new tracker's first commit; ``seed`` is a scratch clone."""
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(origin)],
                   check=True)
    subprocess.run(["git", "clone", "--quiet", str(origin), str(seed)], check=True,
                   capture_output=True)
    (seed / "config").mkdir()
    (seed / "config" / "keywords.yaml").write_text(CONFIG)
    (seed / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(WORKFLOW, seed / ".github" / "workflows" / "daily.yml")
    shutil.copy(REPO / ".gitignore", seed / ".gitignore")
    (seed / "README.md").write_text("# My papers\n\n<!-- tracker:start -->\n"
                                    "<!-- tracker:end -->\n")
    commit_all(seed, "Start a tracker")


@dataclass
class JobResult:
    """What one job did: (step name, exit code) of each step run, its outputs, its tree."""

    steps: list[tuple[str, int]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    work: Path | None = None
    ran: bool = True

    @property
    def ok(self) -> bool:
        return self.ran and all(code == 0 for _, code in self.steps)


Hook = Callable[[str, JobResult], None]


class Runner:
    """GitHub's side: the origin repository, the runner, the artifact store, the jobs."""

    def __init__(self, root: Path, arxiv_url: str, origin: Path | None = None):
        """``origin``: a bare repository made by ``make_origin`` to start from (copied)."""
        self.root = root
        self.arxiv_url = arxiv_url
        self.origin = root / "origin.git"
        self.tools = root / "tools"
        self.artifacts = root / "artifacts"
        self.gh_log = root / "gh.log"
        self.secrets: dict[str, str] = {}
        self.deployed: list[Path] = []
        self.runs = 0
        self.transcript: list[str] = []  # everything the steps printed
        if origin is None:
            make_origin(self.origin, root / "seed")
        else:
            shutil.copytree(origin, self.origin)
        self.tools.mkdir()
        self.write_tool("gh", FAKE_GH)
        self.write_tool("python", FAKE_PYTHON.format(python=sys.executable))
        self.write_tool("tracker", f"#!/bin/sh\nexec {sys.executable} -m tracker \"$@\"\n")

    def write_tool(self, name: str, text: str) -> None:
        path = self.tools / name
        path.write_text(text)
        path.chmod(0o755)

    def commit_all(self, work: Path, message: str) -> None:
        """Commit everything in ``work`` (a clone of the origin) and push it to main."""
        commit_all(work, message)

    def origin_log(self) -> list[str]:
        return git("--git-dir", str(self.origin), "log", "--format=%s", "main",
                   cwd=self.root).splitlines()

    def origin_file(self, path: str) -> str:
        return git("--git-dir", str(self.origin), "show", f"main:{path}", cwd=self.root)

    def origin_changed(self) -> list[str]:
        """The paths the newest commit on main touched."""
        return sorted(git("--git-dir", str(self.origin), "show", "--name-only", "--format=",
                          "main", cwd=self.root).splitlines())

    def gh_calls(self, *command: str) -> list[dict[str, Any]]:
        """The recorded ``gh`` calls whose arguments start with ``command``."""
        if not self.gh_log.exists():
            return []
        calls = []
        for number, line in enumerate(self.gh_log.read_text().splitlines()):
            repo, token, *args = line.split("\x1f")[:-1]
            body = self.gh_log.with_name(f"{self.gh_log.name}.body-{number}")
            calls.append({"args": args, "repo": repo, "token": token == "fake-token",
                          "body": body.read_text() if body.exists() else None})
        return [call for call in calls if call["args"][:len(command)] == list(command)]

    # --- running ---

    def run_workflow(self, after_job: Hook | None = None,
                     before_step: Hook | None = None) -> dict[str, JobResult]:
        """Run every job in order; ``after_job``/``before_step`` get (job or step name, result)."""
        self.runs += 1
        if self.artifacts.exists():
            shutil.rmtree(self.artifacts)
        self.artifacts.mkdir()
        results: dict[str, JobResult] = {}
        for job_id, job in load_workflow()["jobs"].items():
            needs = job.get("needs", [])
            needs = [needs] if isinstance(needs, str) else needs
            context = {"needs": {name: results[name].outputs for name in needs}}
            if not all(results[name].ok for name in needs) or (
                    "if" in job and not evaluate(job["if"], context)):
                results[job_id] = JobResult(ran=False)
                continue
            results[job_id] = self._run_job(job_id, job, context, before_step)
            if after_job:
                after_job(job_id, results[job_id])
        return results

    def _run_job(self, job_id: str, job: dict[str, Any], context: dict[str, Any],
                 before_step: Hook | None) -> JobResult:
        result = JobResult()
        work = result.work = self.root / f"run-{self.runs}-{job_id}"
        temp = self.root / f"temp-{self.runs}-{job_id}"
        work.mkdir()
        temp.mkdir()
        context = {**context, "steps": {}, "runner": {"temp": str(temp)}}
        for number, step in enumerate(job["steps"]):
            name = step.get("name") or step["uses"].split("@")[0]
            if not result.ok or ("if" in step and not evaluate(step["if"], context)):
                continue
            if before_step:
                before_step(name, result)
            if "uses" in step:
                outputs = self._use(step, context, work)
                code = 0
            else:
                code, outputs = self._run(step, context, work, temp / f"output-{number}")
            result.steps.append((name, code))
            context["steps"][step.get("id", name)] = {"outputs": outputs}
        result.outputs = {key: substitute(value, context)
                          for key, value in (job.get("outputs") or {}).items()}
        return result

    def _run(self, step: dict[str, Any], context: dict[str, Any], work: Path,
             output_file: Path) -> tuple[int, dict[str, str]]:
        output_file.touch()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TRACKER"))}
        env.update({
            "PATH": f"{self.tools}:{env['PATH']}",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_REPOSITORY": "me/papers",
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_TEMP": context["runner"]["temp"],
            "TRACKER_ARXIV_URL": self.arxiv_url,
            "FAKE_GH_LOG": str(self.gh_log),
            "HOME": str(self.root),  # no global git identity: the steps set their own
        })
        for key, value in (step.get("env") or {}).items():
            env[key] = substitute(str(value), {**context, "secrets": self.secrets})
        # GitHub's default shell for run steps on Linux.
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=work, env=env, capture_output=True,
                              text=True, timeout=120)
        self.transcript.extend((done.stdout + done.stderr).splitlines())
        if done.returncode:
            print(done.stdout, done.stderr)
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines()
                       if "=" in line)
        return done.returncode, outputs

    def _use(self, step: dict[str, Any], context: dict[str, Any],
             work: Path) -> dict[str, str]:
        action = step["uses"].split("@")[0]
        given = {key: substitute(str(value), context)
                 for key, value in (step.get("with") or {}).items()}
        if action == "actions/checkout":
            subprocess.run(["git", "clone", "--quiet", str(self.origin), str(work)],
                           check=True, capture_output=True)
        elif action == "actions/setup-python":
            pass  # the current interpreter
        elif action == "actions/upload-artifact":
            shutil.copytree(work / given["path"], self.artifacts / given["name"], symlinks=True)
        elif action == "actions/download-artifact":
            shutil.copytree(self.artifacts / given["name"], work / given["path"], symlinks=True)
        elif action == "actions/upload-pages-artifact":
            shutil.copytree(work / given["path"], self.artifacts / "github-pages")
        elif action == "actions/deploy-pages":
            self.deployed.append(self.artifacts / "github-pages")
            return {"page_url": "https://me.github.io/papers/"}
        else:
            raise AssertionError(f"the test does not play this action: {action}")
        return {}


def lookup(expression: str, context: dict[str, Any]) -> str:
    """The value of ``a.b.c`` in ``context``; fixed values for ``github.*``."""
    fixed = {"github.token": "fake-token", "github.repository": "me/papers"}
    if expression in fixed:
        return fixed[expression]
    assert re.fullmatch(r"(needs|steps|runner|secrets)(\.[\w-]+)+", expression), (
        f"the test does not know this expression: {expression}")
    value: Any = context
    for part in expression.split("."):
        if part == "outputs" and "outputs" not in value:
            continue  # needs.JOB.outputs.NAME: the job's outputs are stored flat
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value if isinstance(value, str) else ""


def substitute(text: str, context: dict[str, Any]) -> str:
    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: lookup(m.group(1), context), text)


def evaluate(condition: str, context: dict[str, Any]) -> bool:
    """The ``if:`` forms the workflow uses: ``A == 'v'`` or ``A != 'v'``, joined by ``&&``."""
    verdicts = []
    for part in condition.split("&&"):
        match = re.fullmatch(r"([\w.-]+) (==|!=) '([^']*)'", part.strip())
        assert match, f"the test does not know this condition: {condition}"
        name, operator, value = match.groups()
        actual = lookup(name, context)
        verdicts.append((actual == value) if operator == "==" else (actual != value))
    return all(verdicts)
