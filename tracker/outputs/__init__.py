"""What a run writes from the store and its news.

Each output is one module here with a ``write(config, store, news)`` function
returning the files it wrote; ``tracker.api.EXTRA_OUTPUTS`` lists the ones run
after the store and the README are safe. The README (``readme``) and the
notification issues (``issues``) are written by the run itself, because the
store records which papers the issues announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.models import Digest, Paper


@dataclass(frozen=True)
class RunNews:
    """What a run hands to the outputs besides the store."""

    today: str
    new_papers: dict[str, tuple[Paper, ...]] = field(default_factory=dict)
    """Keyword name -> the papers this run's notification announces (new or revised), in
    config order; empty on a day with nothing new."""
    digest: Digest | None = None
    """Today's digest, when one is configured and arXiv announced anything."""
    recent_digests: tuple[Digest, ...] = ()
    """The digests of the last 30 days, newest first, today's included."""
