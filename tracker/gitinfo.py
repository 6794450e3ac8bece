"""Small read-only questions to git: a remote's web address, a checkout's commit."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def git_output(folder: Path, *args: str) -> str | None:
    """What ``git -C folder ARGS`` prints, or ``None`` when git fails or is missing."""
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                              timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def web_url(remote: str | None) -> str | None:
    """``https://host/owner/repo`` for an https or ssh git remote (credentials dropped)."""
    if not remote:
        return None
    match = re.fullmatch(r"(?:git@|ssh://git@)([^:/]+)[:/](.+?)(?:\.git)?/?", remote)
    if match:
        return f"https://{match.group(1)}/{match.group(2)}"
    match = re.fullmatch(r"https?://(?:[^@/]+@)?(.+?)(?:\.git)?/?", remote)
    return f"https://{match.group(1)}" if match else None


def origin_url(folder: Path) -> str | None:
    """The web address of the ``origin`` remote of the checkout at ``folder``."""
    return web_url(git_output(folder, "remote", "get-url", "origin"))
