"""The performance benchmark of the tracker (run ``python bench/run.py``)."""
