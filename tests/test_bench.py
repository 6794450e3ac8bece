"""The benchmark (bench/run.py) runs, at a tiny size, so that it cannot rot.

It asserts the shape of what the benchmark reports and the request and byte
counts, which do not depend on the machine; never a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

KEYWORDS, PAPERS = 2, 30  # more papers than the first page of an incremental fetch (10)


def test_the_benchmark_runs_and_reports_what_it_measured(tmp_path):
    output, raw = tmp_path / "bench.md", tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--keywords", str(KEYWORDS), "--papers", str(PAPERS),
         "--latency", "0.01", "--delay", "0", "--paced", str(KEYWORDS), "--paced-delay", "0.05",
         "--render", "3x10", "--repeat", "1", "--output", str(output), "--json", str(raw)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == output.read_text(encoding="utf-8")
    results = json.loads(raw.read_text(encoding="utf-8"))

    runs = {(run["day"], run["incremental"]): run for run in results["runs"]}
    assert sorted(runs) == [(day, mode) for day in (1, 2, 3) for mode in (False, True)]
    for run in runs.values():
        assert run["keywords"] == KEYWORDS and run["requests"] == KEYWORDS  # one page each
        assert len(run["gaps"]) == KEYWORDS - 1 and run["peak_rss"] > 0
        assert run["floor"] <= run["arxiv_floor"]
        assert run["own_work"] == max(0.0, run["wall"] - run["floor"])
        assert run["own_work_share"] == run["own_work"] / run["arxiv_wall"]
    # The first fetch is a full one either way; afterwards the incremental one asks for less.
    assert runs[1, True]["bytes"] == runs[1, False]["bytes"]
    for day in (2, 3):
        assert runs[day, True]["bytes"] < runs[day, False]["bytes"] / 2
        assert runs[day, True]["bytes"] < runs[1, True]["bytes"] / 2

    assert [pair["paced"]["day"] for pair in results["paced"]] == [1, 2, 3]
    assert all(pair["paced"]["delay"] == 0.05 for pair in results["paced"])
    labels = [timing["label"] for timing in (results["render"], *results["startup"],
                                             results["store"])]
    assert labels[0].startswith("`tracker render`, 3 keywords x 10 papers")
    assert "`tracker --help`" in labels and "`tracker validate` (shipped config)" in labels
    assert labels[-1].startswith("store read + merge + write, 30 papers")
    assert [name for name, _ in results["store"]["parts"]] == ["read", "merge", "write"]

    table = output.read_text(encoding="utf-8")
    for heading in ("### What is asked of arXiv", "### Wall time, floor and memory",
                    "### Runs with 0.05 s between requests", "### Local work"):
        assert heading in table
    assert table.count(f"\n| {KEYWORDS} | ") == 3 + 6 + 3  # bytes, time and paced rows


def test_the_outputs_benchmark_runs(capsys):
    from bench.outputs import main

    assert main(["--keywords", "2", "--papers", "3", "--mail-papers", "2", "--repeat", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[2].startswith("| feeds, 2 x 3, into an empty folder |")
    assert rows[2].endswith("| 2 files, 0.0 MB |")
    assert rows[3].endswith("| 0 files written |")
    assert rows[4].startswith("| e-mail, 2 keywords x 2 papers, 3 recipients, STARTTLS |")
    assert "| 1 mails in 1 SMTP sessions, " in rows[4]
