"""tracker: a daily arXiv keyword tracker.

The package is a pipeline: ``sources`` (the arXiv search and the daily
announcement feed) produce papers, ``store`` keeps them (``merge`` is the pure
bookkeeping in between), and ``outputs`` are written from the store and the
run's news. ``config`` says what to track. ``api.Tracker`` runs it; ``cli``
and ``scheduler`` are thin callers. ``docs/architecture.md`` has the map.
"""

__version__ = "0.1.0"
