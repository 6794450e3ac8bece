"""What a run writes from the store and its news: the README and the notification issues."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.models import Digest, Paper


@dataclass(frozen=True)
class RunNews:
    """What a run hands to the outputs besides the store."""

    today: str
    new_papers: dict[str, tuple[Paper, ...]]
    digest: Digest | None = None
    recent_digests: tuple[Digest, ...] = ()
