"""``python -m tracker``: the same CLI as the ``tracker`` command."""

from tracker.cli import main

raise SystemExit(main())
