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
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2

from tracker.errors import ConfigError, OutputError
from tracker.gitinfo import git_output, web_url
from tracker.resources import shipped, templates_dir
from tracker.store import atomic_write


@dataclass(frozen=True)
class Source:
    """Where the new repository installs the tracker from."""

    requirement: str
    """A pip requirement, such as ``tracker @ git+https://github.com/owner/tracker@COMMIT``."""
    url: str | None = None
    """A web page of the tracker, for the README's link."""


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
        requirement = f"tracker @ git+{url}" + (f"@{commit}" if commit else "")
        return Source(requirement, web_url(url))
    if url.startswith("file://"):
        folder = Path(url[len("file://"):])
        remote = git(folder, "remote", "get-url", "origin")
        commit = git(folder, "rev-parse", "HEAD")
        web = web_url(remote) if remote else None
        if web and commit:
            return Source(f"tracker @ git+{web}@{commit}", web)
    return None


def detect_source() -> Source | None:
    try:
        text = metadata.distribution("tracker").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    return source_from_install(json.loads(text) if text else None)


def plan(source: Source) -> dict[str, str]:
    """Relative path -> content of every file ``init`` writes."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "scaffold")),
                             keep_trailing_newline=True, autoescape=False,
                             undefined=jinja2.StrictUndefined)
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


def resolve_source(given: str | None) -> Source:
    if given:
        match = re.search(r"git\+(\S+?)(?:@[0-9a-fA-F]{7,40})?$", given)
        return Source(given, web_url(match.group(1)) if match else None)
    found = detect_source()
    if found is None:
        raise ConfigError(
            "cannot tell where this tracker was installed from; pass --source, for example "
            "--source 'tracker @ git+https://github.com/OWNER/tracker@v0.1.0'"
        )
    return found


NEXT_STEPS = """\
Next steps:
  1. Edit config/keywords.yaml (the keywords to follow), then check it:
       tracker validate
  2. Try it here: tracker run
  3. Put the folder on GitHub:
       git init -b main && git add -A && git commit -m "Start a tracker"
       git remote add origin https://github.com/YOU/REPO.git && git push -u origin main
  4. On GitHub, open the Actions tab, enable workflows if asked, and start
     "Daily papers" once with "Run workflow". It then runs every weekday.
  5. Click "Watch" (All Activity, or Custom > Issues) to get an e-mail with
     each day's new papers.
"""
