"""The site through the real ``tracker`` command: built by a run, rebuilt by ``tracker site``."""

from __future__ import annotations

import json
import re
import shutil

from tests.conftest import GOLDEN, Project, entry
from tests.site_html import executable, parse
from tracker.sources.query import build_query

HOSTILE = '</a><script>alert("t")</script> Spectral & $\\ell_1$'


def _files(project: Project) -> dict[str, bytes]:
    site = project.root / "site"
    return {path.relative_to(site).as_posix(): path.read_bytes()
            for path in sorted(site.rglob("*")) if path.is_file()}


def test_a_run_builds_the_site_and_tracker_site_finds_nothing_to_change(
        project: Project, fake_arxiv, golden_feeds):
    query = build_query("Graph Neural Networks")
    fake_arxiv.feeds = {**golden_feeds, query: [
        entry("2608.99999v1", "2026-08-20T23:00:00Z", title=HOSTILE, summary=f"About {HOSTILE}"),
        *golden_feeds[query]]}
    (project.root / "config").mkdir()
    shutil.copy(GOLDEN / "keywords.yaml", project.root / "config" / "keywords.yaml")
    with open(project.root / "config" / "keywords.yaml", "a", encoding="utf-8") as config:
        config.write("site:\n  title: Golden Papers\n")

    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 0, result.err
    built = _files(project)
    store = project.store()["keywords"]
    slugs = {"Time Series": "time-series", "Trajectory": "trajectory",
             "Graph Neural Networks": "graph-neural-networks"}
    assert {name for name in built if name.startswith("keywords/")} == {
        f"keywords/{slug}.html" for slug in slugs.values()}
    assert [name for name in built if name.startswith("days/")] == ["days/2026-08-21.html"]

    index = parse(built["index.html"].decode())
    assert executable(index) == []
    assert index.find("a", "brand").text == "Golden Papers"
    titles = [card.find("h3", "title").text for card in index.find_all("li", "paper")]
    stored = {paper["id"]: paper for record in store.values() for paper in record["papers"]}
    assert len(titles) == len(stored)  # the first day: every stored paper, each once
    assert HOSTILE in titles
    for name, slug in slugs.items():
        page = parse(built[f"keywords/{slug}.html"].decode())
        links = [card.find("h3", "title").find("a").attrs["href"]
                 for card in page.find_all("li", "paper")]
        assert links == [f"https://arxiv.org/abs/{p['id']}v{p['version']}"
                         for p in store[name]["papers"]]
    search = json.loads(built["search.json"])
    assert sorted(paper["id"] for paper in search["papers"]) == sorted(stored)

    again = project.tracker("site")
    assert again.code == 0, again.err
    assert "site: 0 files written or removed in site" in again.err
    assert _files(project) == built


def test_tracker_site_without_a_store_or_section_builds_an_empty_site(project: Project):
    project.write_config("keywords: [Time Series]\n")
    result = project.tracker("site", "-q")
    assert result.code == 0 and result.err == ""
    page = parse(project.read("site/index.html"))
    assert "No papers yet" in page.find("main").text
    assert project.read("site/keywords/time-series.html")


def test_tracker_site_reports_a_bad_site_section_in_one_line(project: Project):
    project.write_config("keywords: [Time Series]\nsite:\n  path: ''\n")
    result = project.tracker("site")
    assert result.code == 2
    assert result.err == ("config/keywords.yaml:3: site.path: expected non-empty text, "
                          "got '' (text)\n")


def test_the_site_benchmark_runs_and_reports_what_it_measured():
    from bench.site import measure

    rows = dict(measure(3, 5, repeat=1))
    assert rows["store"] == "3 keywords x 5 papers, all first seen on one day"
    assert re.fullmatch(r"\d+\.\d\d s \(target 5 s: (met|\*\*missed\*\*)\)",
                        rows["`tracker site`, empty folder (median)"])
    assert re.fullmatch(r"\d+\.\d\d s", rows["`tracker site`, nothing changed (median)"])
    # index, one day, three keywords, search.json, search.js, style.css
    assert rows["files"].startswith("8, ")


def test_a_broken_site_template_fails_the_site_only(tmp_path):
    from tracker.api import Tracker
    from tracker.config import Config, Keyword, Paths, SiteSettings

    templates = tmp_path / "templates" / "site"
    templates.mkdir(parents=True)
    (templates / "keyword.html.j2").write_text("{% if %}\n", encoding="utf-8")
    config = Config(keywords=(Keyword("Time Series"),),
                    paths=Paths(store=tmp_path / "papers.json", readme=tmp_path / "README.md",
                                issues=tmp_path / "issues", templates=tmp_path / "templates"),
                    site=SiteSettings(path=tmp_path / "site"))
    report = Tracker(config).run("2026-08-21", fetch=False)
    assert report.output_errors == {
        "site": f"{templates / 'keyword.html.j2'}:1: template error: Expected an expression, "
                "got 'end of statement block'"}
    assert report.exit_code == 1
    assert (tmp_path / "README.md").exists() and not (tmp_path / "site").exists()
