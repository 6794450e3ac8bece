"""``tracker init``: scaffold a new tracker repository.

It writes the commented config and its schema, the daily workflow, a README
with the markers, the store's folder, a ``.gitignore``, and a small
``pyproject.toml`` whose one dependency is the tracker itself, so that the
workflow's ``python -m pip install .`` works in the new repository as it
does in this one. The files are the ones this repository uses (see
``resources``); ``templates/scaffold`` holds those only a new repository
needs.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from tracker.errors import ConfigError, OutputError
from tracker.gitinfo import git_output, web_url
from tracker.resources import shipped, templates_dir
from tracker.store import atomic_write

DISTRIBUTION = "arxiv-daily-tracker"
"""The tracker's distribution name (``tracker`` on PyPI is another project)."""


@dataclass(frozen=True)
class Source:
    """Where the new repository installs the tracker from."""

    requirement: str
    """A pip requirement, such as
    ``arxiv-daily-tracker @ git+https://github.com/owner/tracker@COMMIT``."""
    url: str | None = None
    """A web page of the tracker, for the README's link."""
    warnings: tuple[str, ...] = ()
    """Why the new repository's workflow may not be able to install it."""


def source_from_install(direct_url: dict[str, Any] | None,
                        git: Callable[..., str | None] = git_output) -> Source | None:
    """Where the running tracker came from, per pip's ``direct_url.json`` (PEP 610).

    A VCS install names its repository and commit; a local checkout (an
    editable or path install) is traced to its ``origin`` remote and commit.
    """
    if not direct_url:
        return None
    url = direct_url.get("url", "")
    vcs = direct_url.get("vcs_info")
    if vcs and vcs.get("vcs") == "git":
        commit = vcs.get("commit_id")
        requirement = f"{DISTRIBUTION} @ git+{url}" + (f"@{commit}" if commit else "")
        return Source(requirement, web_url(url))
    if url.startswith("file://"):
        folder = Path(url[len("file://"):])
        remote = git(folder, "remote", "get-url", "origin")
        commit = git(folder, "rev-parse", "HEAD")
        web = web_url(remote) if remote else None
        if web and commit:
            return Source(f"{DISTRIBUTION} @ git+{web}@{commit}", web,
                          checkout_warnings(folder, commit, git))
    return None


def checkout_warnings(folder: Path, commit: str,
                      git: Callable[..., str | None] = git_output) -> tuple[str, ...]:
    """What keeps GitHub from installing ``commit`` of the checkout at ``folder`` as it is here.

    "Pushed" is as far as the checkout knows: a remote-tracking branch of
    ``origin`` holds the commit (``git branch -r --contains``).
    """
    warnings = []
    if not git(folder, "branch", "-r", "--list", "origin/*", "--contains", commit):
        warnings.append(f"commit {commit[:12]} of {folder} is not pushed to its origin: "
                        "push it before the new repository's workflow runs, or pass --source")
    if git(folder, "status", "--porcelain", "--untracked-files=no"):
        warnings.append(f"{folder} has uncommitted changes: the new repository installs "
                        f"commit {commit[:12]} without them")
    return tuple(warnings)


def detect_source() -> Source | None:
    try:
        text = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    return source_from_install(json.loads(text) if text else None)


def plan(source: Source) -> dict[str, str]:
    """Relative path -> content of every file ``init`` writes."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "scaffold")),
                             keep_trailing_newline=True, autoescape=False,
                             undefined=jinja2.StrictUndefined)
    # A JSON string is a TOML basic string: the same escapes (TOML 1.0, "String").
    env.filters["toml_string"] = lambda value: json.dumps(value, ensure_ascii=False)
    values = {"source": source.requirement, "tracker_url": source.url}
    return {
        "config/keywords.yaml": shipped("config/keywords.yaml").read_text(encoding="utf-8"),
        "config/keywords.schema.json": shipped("config/keywords.schema.json").read_text(
            encoding="utf-8"),
        ".github/workflows/daily.yml": shipped("workflows/daily.yml").read_text(encoding="utf-8"),
        "README.md": env.get_template("README.md.j2").render(values),
        "pyproject.toml": env.get_template("pyproject.toml.j2").render(values),
        ".gitignore": env.get_template("gitignore.j2").render(values),
        "data/.gitkeep": "",
    }


def init(target: Path, source: Source, force: bool = False) -> list[str]:
    """Write the scaffold into ``target``; refuse to overwrite unless ``force``."""
    files = plan(source)
    existing = [name for name in files if (target / name).exists()]
    if existing and not force:
        raise OutputError(
            f"{target} already has {', '.join(existing)}; nothing was written. "
            "Use --force to overwrite them."
        )
    try:
        for name, text in files.items():
            atomic_write(target / name, text)
    except OSError as error:
        raise OutputError(f"cannot write into {target}: {error}") from None
    return list(files)


EXAMPLE_SOURCE = f"{DISTRIBUTION} @ git+https://github.com/OWNER/tracker@v0.1.0"


def given_source(text: str) -> Source:
    """``--source`` checked as a pip requirement (PEP 508) for this distribution."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        reason = str(error).splitlines()[0]
        raise ConfigError(f"--source {text!r} is not a pip requirement ({reason}); for "
                          f"example --source '{EXAMPLE_SOURCE}'") from None
    if canonicalize_name(requirement.name) != DISTRIBUTION:
        raise ConfigError(f"--source {text!r} installs {requirement.name!r}, not the tracker; "
                          f"for example --source '{EXAMPLE_SOURCE}'")
    url = requirement.url or ""
    warnings: tuple[str, ...] = ()
    if url.startswith(("file:", "git+file:")):
        warnings = (f"--source {text!r} is a path on this machine: the new repository's "
                    "workflow on GitHub cannot install it",)
    match = re.fullmatch(r"git\+(\S+?)(?:@[^@/]+)?", url)
    return Source(text, web_url(match.group(1)) if match else None, warnings)


def resolve_source(given: str | None) -> Source:
    if given is not None:
        return given_source(given)
    found = detect_source()
    if found is None:
        raise ConfigError(
            "cannot tell where this tracker was installed from; pass --source, for example "
            f"--source '{EXAMPLE_SOURCE}'"
        )
    return found


def next_steps(directory: Path) -> str:
    """What to do after ``init``, starting in ``directory``."""
    return f"""\
Next steps:
  1. cd {shlex.quote(str(directory))}
  2. Edit config/keywords.yaml (the keywords to follow), then check it:
       tracker validate
  3. Try it here: tracker run
  4. Put the folder on GitHub:
       git init -b main && git add -A && git commit -m "Start a tracker"
       git remote add origin https://github.com/YOU/REPO.git && git push -u origin main
  5. On GitHub, open the Actions tab, enable workflows if asked, and start
     "Daily papers" once with "Run workflow". It then runs every weekday.
  6. Click "Watch" (All Activity, or Custom > Issues) to get an e-mail with
     each day's new papers.
"""
