"""tracker: a daily arXiv keyword tracker.

The package is a pipeline, one module a stage: ``config`` (what to track),
``fetch`` (ask arXiv), ``merge`` (pure bookkeeping of papers), ``store`` (the
JSON file), ``render`` (Jinja2 templates to markdown), ``publish`` (write the
outputs) and ``pipeline`` (wire them). ``cli`` is a thin layer over
``pipeline``.
"""

__version__ = "0.1.0"
