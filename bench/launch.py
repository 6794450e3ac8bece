"""Start one command and report its wall time and peak memory: a small ``/usr/bin/time``.

    python bench/launch.py RESULT -- COMMAND [ARGS...]

writes ``EXIT_CODE STARTED ENDED MAX_RSS`` to the file RESULT (``time.monotonic()``
seconds, and the child's peak resident set size in bytes, or -1 where the
platform cannot tell). Standard input, output and error are passed through.

Why a separate process: Linux carries a process's peak memory across
``exec``, and a child forked from the benchmark (which holds the test data)
would report the benchmark's size. Forked from this small launcher, the child
starts with the launcher's ~10 MB, well under what any tracker run uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    result, command = argv[0], argv[2:]
    started = time.monotonic()
    process = subprocess.Popen(command)
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.monotonic()
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code
        peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    else:  # Windows: no per-child resource usage
        code = process.wait()
        ended, peak = time.monotonic(), -1
    with open(result, "w", encoding="utf-8") as handle:
        handle.write(f"{code} {started!r} {ended!r} {peak}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
