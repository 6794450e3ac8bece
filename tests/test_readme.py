"""Rendering the README from the store (tracker.outputs.readme): markers, empty keywords, notes."""

from __future__ import annotations

import pytest

from tests.conftest import make_paper
from tracker.config import Config, Keyword
from tracker.errors import OutputError
from tracker.models import KeywordRecord, Store
from tracker.outputs import readme as readme_output

HEADER_LINES = 11  # "# Daily Papers" ... "Last update: ...", blank


def readme(config: Config, store: Store, existing: str | None = None,
           today: str = "2026-08-21") -> str:
    env = readme_output.environment(None)
    values = readme_output.readme_values(config, store, today)
    return readme_output.framed_readme(env, values, readme_output.readme_frame(existing))


def config_of(*names: str, **settings: object) -> Config:
    return Config(keywords=tuple(Keyword(name) for name in names), **settings)  # type: ignore[arg-type]


def test_keyword_without_papers_gets_heading_and_empty_table():
    text = readme(config_of("Empty", "Also empty"), Store())
    assert text.splitlines()[HEADER_LINES:] == [
        "## Empty",
        "| **Title** | **Date** | **Abstract** | **Comment** |",
        "| --- | --- | --- | --- |",
        "",
        "## Also empty",
        "| **Title** | **Date** | **Abstract** | **Comment** |",
        "| --- | --- | --- | --- |",
        "",
    ]
    assert text.endswith("| --- | --- | --- | --- |\n\n")
    assert "Last update: 2026-08-21" in text  # no data yet: the run's date


def test_sections_follow_config_order_and_readme_rows_limit():
    papers = tuple(make_paper(f"2608.0000{i}", updated=f"2026-08-1{9 - i}T00:00:00Z")
                   for i in range(5))
    store = Store(keywords={"B": KeywordRecord(papers=papers), "A": KeywordRecord(papers=papers)},
                  last_change="2026-08-20")
    text = readme(config_of("B", "A", readme_rows=2), store)
    assert text.index("## B") < text.index("## A")
    assert text.count("| **[Title of") == 4
    assert "Last update: 2026-08-20" in text


def test_max_papers_appears_in_the_header():
    assert "up to a maximum of 50 papers." in readme(config_of("K", max_papers=50), Store())


@pytest.mark.parametrize(("since", "shown"), [("2026-08-19", False), ("2026-08-18", True)])
def test_failing_keyword_shows_a_note_after_the_configured_days(since, shown):
    record = KeywordRecord(papers=(make_paper(),), last_error="HTTP 503 (after 5 tries)",
                           failing_since=since)
    text = readme(config_of("K", note_after_days=2), Store(keywords={"K": record}))
    note = (f"> **Note:** fetching this keyword from arXiv has failed since {since} "
            "(HTTP 503 (after 5 tries)); the papers below are from before that.")
    assert (note in text) is shown
    if shown:  # blank lines keep the note from swallowing the table
        assert f"## K\n\n{note}\n\n| **Title** |" in text


def test_markers_replace_only_the_text_between_them():
    existing = ("# My tracker\n\nHand-written intro.\n\n<!-- tracker:start -->\nold list\n"
                "<!-- tracker:end -->\n\n## Footer\nMore docs.\n")
    text = readme(config_of("K"), Store(keywords={"K": KeywordRecord(papers=(make_paper(),))}),
                  existing)
    head, rest = text.split("<!-- tracker:start -->\n")
    body, tail = rest.split("<!-- tracker:end -->")
    assert head == "# My tracker\n\nHand-written intro.\n\n"
    assert tail == "\n\n## Footer\nMore docs.\n"
    assert body.startswith("Last update: 2026-08-21\n\n## K\n") and "old list" not in body
    assert "# Daily Papers" not in text
    again = readme(config_of("K"), Store(keywords={"K": KeywordRecord(papers=(make_paper(),))}),
                   text)
    assert again == text


def test_markers_quoted_in_prose_are_text():
    existing = ("Put `<!-- tracker:start -->` and `<!-- tracker:end -->` in your README.\n\n"
                "<!-- tracker:start -->\n<!-- tracker:end -->\n")
    text = readme(config_of("K"), Store(), existing)
    assert text.startswith(existing.split("\n\n")[0] + "\n\n<!-- tracker:start -->\nLast update")
    assert text.endswith("| --- | --- | --- | --- |\n\n<!-- tracker:end -->\n")


def test_readme_without_markers_is_written_whole():
    text = readme(config_of("K"), Store(), existing="anything at all\n")
    assert text.startswith("# Daily Papers\n")


@pytest.mark.parametrize("existing", [
    "<!-- tracker:start -->\n",
    "<!-- tracker:end -->\n<!-- tracker:start -->\n",
    "<!-- tracker:start -->\n<!-- tracker:start -->\n<!-- tracker:end -->\n",
])
def test_broken_markers_stop_the_write(existing):
    with pytest.raises(OutputError, match="nothing was written"):
        readme(config_of("K"), Store(), existing)


def test_user_templates_override_the_shipped_ones_file_by_file(tmp_path):
    (tmp_path / "papers.md.j2").write_text("{% for s in sections %}* {{ s.name }}\n{% endfor %}")
    env = readme_output.environment(tmp_path)
    values = readme_output.readme_values(config_of("K"), Store(), "2026-08-21")
    text = readme_output.full_readme(env, values)
    assert text.startswith("# Daily Papers\n") and text.endswith("* K\n")


def test_broken_template_names_file_and_line(tmp_path):
    (tmp_path / "README.md.j2").write_text("line one\n{% for %}\n")
    env = readme_output.environment(tmp_path)
    with pytest.raises(OutputError, match=r"README.md.j2:2: template error"):
        values = readme_output.readme_values(config_of("K"), Store(), "2026-08-21")
        readme_output.full_readme(env, values)


def test_long_date_is_zero_padded():
    assert readme_output.long_date("2026-08-01") == "August 01, 2026"
