"""Reading and checking the configuration (tracker.config): every message names file, key, line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tracker.config import Config, load_config, validators
from tracker.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Config:
    path = tmp_path / "keywords.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env or {})


def error_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, env)
    return str(caught.value)


def test_simplest_config_is_a_list_of_strings(tmp_path):
    config = load(tmp_path, "keywords:\n  - Time Series\n  - Trajectory\n")
    assert [k.name for k in config.keywords] == ["Time Series", "Trajectory"]
    assert config.max_papers == 100 and config.readme_rows is None
    assert config.categories == ("cs", "stat")
    assert config.arxiv.endpoint == "https://export.arxiv.org/api/query"
    assert config.keywords[0].search_query == 'ti:"Time Series" OR abs:"Time Series"'
    assert config.keywords[1].search_query == 'ti:"Trajectory" AND abs:"Trajectory"'


def test_keyword_mapping_and_settings(tmp_path):
    config = load(tmp_path, """\
keywords:
  - name: Graph Neural Networks
    synonyms: [GNN]
    exclude: [quantum chemistry]
    categories: [cs.LG]
  - name: Raw
    query: 'cat:cs.CL AND ti:parsing'
max_papers: 50
readme_rows: 10
categories: []
timezone: Europe/Berlin
repository: someone/papers
arxiv: {delay: 0.5, incremental: false}
paths: {store: state/p.json}
""")
    gnn, raw = config.keywords
    assert gnn.search_query == ('((ti:"Graph Neural Networks" OR abs:"Graph Neural Networks") '
                                'OR (ti:"GNN" AND abs:"GNN")) ANDNOT '
                                '((ti:"quantum chemistry" OR abs:"quantum chemistry"))')
    assert raw.search_query == "cat:cs.CL AND ti:parsing"
    assert config.categories_for(gnn) == ("cs.LG",) and config.categories_for(raw) == ()
    assert config.repository == "https://github.com/someone/papers"
    assert config.arxiv.delay == 0.5 and config.arxiv.incremental is False
    assert config.paths.store == tmp_path / "state" / "p.json"  # relative to the config's folder


def test_environment_overrides_endpoint_and_supplies_repository(tmp_path):
    config = load(tmp_path, "keywords: [x]\n", {"TRACKER_ARXIV_URL": "http://127.0.0.1:9/api/query",
                                               "GITHUB_REPOSITORY": "me/mine"})
    assert config.arxiv.endpoint == "http://127.0.0.1:9/api/query"
    assert config.repository == "https://github.com/me/mine"


@pytest.mark.parametrize(("text", "message"), [
    ("keywords: [a]\nmax_paper: 3\n", "keywords.yaml:2: max_paper: unknown key"),
    ("keywords: [a]\nmax_papers: many\n",
     "keywords.yaml:2: max_papers: expected a whole number, got 'many' (text)"),
    ("keywords: [a]\nmax_papers: 0\n",
     "keywords.yaml:2: max_papers: expected a whole number from 1 to 2000, got 0"),
    ("keywords: []\n", "keywords.yaml:1: keywords: expected a non-empty list"),
    ("max_papers: 3\n", "keywords: missing"),
    ("keywords:\n  - a\n  - ''\n", "keywords.yaml:3: keywords[2]: expected non-empty text"),
    ("keywords:\n  - Time Series\n  - time series\n",
     "keywords.yaml:3: keywords[2]: 'time series' is already keyword 1"),
    ("keywords: [a]\ntimezone: Mars/Olympus\n",
     "keywords.yaml:2: timezone: unknown timezone 'Mars/Olympus'"),
    ("keywords: [a]\narxiv:\n  delay: -1\n",
     "keywords.yaml:3: arxiv.delay: expected a number of at least 0, got -1"),
    ("keywords: [a]\narxiv:\n  endpoint: ftp://x\n",
     "keywords.yaml:3: arxiv.endpoint: expected an http(s) URL"),
    ("keywords: [a]\narxiv:\n  speed: 3\n", "keywords.yaml:3: arxiv.speed: unknown key"),
    ("keywords:\n  - name: a\n    synonym: [b]\n",
     "keywords.yaml:3: keywords[1].synonym: unknown key"),
    ("keywords:\n  - name: a\n    synonyms: b\n",
     "keywords.yaml:3: keywords[1].synonyms: expected a list, got 'b' (text)"),
    ("keywords:\n  - synonyms: [b]\n", "keywords.yaml:2: keywords[1]: missing `name:`"),
    ("keywords:\n  - 'say \"hi\"'\n", "keywords[1]: 'say \"hi\"' contains a double quote"),
    ("keywords:\n  - cats AND dogs\n", "contains the word AND, which arXiv reads as an operator"),
    ("keywords:\n  - name: a\n    categories: [Computer Science]\n",
     "keywords[1].categories: item 1: 'Computer Science' is not an arXiv archive"),
    ("keywords:\n  - name: a\n    query: 'ti:a'\n    synonyms: [b]\n",
     "keywords[1].synonyms: a raw `query` replaces the generated one"),
    ("keywords: [a]\nkeywords: [b]\n", "keywords.yaml:2: keywords: key given twice"),
    ("keywords: [a\n", "keywords.yaml:2: not valid YAML"),
    ("- a\n- b\n", "(top level): expected a mapping with a `keywords:` list"),
    ("keywords: [a]\nissue: {labels: ['a,b']}\n", "label 'a,b' may not contain commas"),
    ("keywords: [a]\nschedule: {cron: 'daily'}\n", "schedule.cron: expected five cron fields"),
    ("keywords: [a]\nschedule:\n  cron: '61 * * * *'\n",
     "keywords.yaml:3: schedule.cron: '61 * * * *' is not a valid cron expression"),
    ("keywords: [a]\nschedule:\n  cron: '0 3 * * 8'\n",
     "keywords.yaml:3: schedule.cron: '0 3 * * 8' is not a valid cron expression"),
    ("keywords: [a]\nschedule:\n  cron: '0 3 31 2-1 *'\n",
     "keywords.yaml:3: schedule.cron: '0 3 31 2-1 *' is not a valid cron expression"),
])
def test_each_problem_gets_one_clear_message(tmp_path, text, message):
    assert message in error_of(tmp_path, text)


def test_all_problems_are_reported_together(tmp_path):
    lines = error_of(tmp_path, "keywords: [a, a]\nmax_papers: x\nfoo: 1\n").splitlines()
    assert len(lines) == 3
    assert all(line.startswith(str(tmp_path / "keywords.yaml") + ":") for line in lines)


def test_bad_endpoint_variable_is_named(tmp_path):
    message = error_of(tmp_path, "keywords: [a]\n", {"TRACKER_ARXIV_URL": "localhost:8080"})
    assert message.startswith("environment variable TRACKER_ARXIV_URL: expected an http(s) URL")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file; create one with `tracker init`"):
        load_config(tmp_path / "nope.yaml", {})


BILLION_LAUGHS = "\n".join([
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    *[f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]"
      for previous, name in zip("abcdefgh", "bcdefghi", strict=True)],
    "keywords: *i", "",
])


def test_nested_aliases_are_refused_at_once(tmp_path):
    started = time.monotonic()
    message = error_of(tmp_path, BILLION_LAUGHS)
    assert time.monotonic() - started < 1
    assert "keywords.yaml:3: more than 10 YAML aliases (*name)" in message


def test_a_few_aliases_are_still_fine(tmp_path):
    config = load(tmp_path, "categories: &mine [cs.LG]\n"
                            "keywords:\n  - {name: a, categories: *mine}\n")
    assert config.keywords[0].categories == ("cs.LG",)


def test_an_oversized_config_is_refused_unread(tmp_path):
    message = error_of(tmp_path, "keywords: [a]\n" + "# padding\n" * 30_000)
    assert message == f"{tmp_path / 'keywords.yaml'}: the file is larger than 256 KB; " \
                      "a config that large is not a list of keywords"


def test_deeply_nested_yaml_is_one_quick_message(tmp_path):
    started = time.monotonic()
    message = error_of(tmp_path, "keywords: " + "[" * 5000 + "]" * 5000)
    assert "keywords.yaml:1: brackets nested more than 50 deep" in message
    assert "nested too deeply" in error_of(tmp_path, "keywords:\n" + "- " * 5000 + "a\n")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("cron", ["0 3 * * 1-5", "*/15 * * * *", "61 * * * *", "0 24 * * *",
                                  "0 3 * * 8", "0 3 32 * *", "0 3 * 13 *", "x * * * *",
                                  "0 3 * * mon-fri", "0 3 1-31/2 * *"])
def test_validate_accepts_exactly_the_cron_expressions_the_scheduler_runs(tmp_path, cron):
    from tracker.scheduler import make_trigger

    try:
        make_trigger(cron, None, "UTC")
        runs = True
    except ConfigError:
        runs = False
    text = f"keywords: [a]\nschedule:\n  cron: '{cron}'\n"
    if runs:
        assert load(tmp_path, text).schedule.cron == cron
    else:
        assert "keywords.yaml:3: schedule.cron: " in error_of(tmp_path, text)


@pytest.mark.parametrize("cron", sorted(validators.KNOWN_GOOD_CRON))
def test_the_cron_expressions_taken_without_the_parser_are_ones_the_scheduler_runs(cron):
    from tracker.scheduler import make_trigger

    make_trigger(cron, None, "UTC")


@pytest.mark.parametrize(("value", "problem"), [
    ("9999", "expected a whole number from 10000 to 500000, got 9999"),
    ("500001", "expected a whole number from 10000 to 500000, got 500001"),
    ("450kB", "expected a whole number, got '450kB' (text)"),
    ("450000.0", "expected a whole number, got 450000.0 (a number)"),
])
def test_readme_budget_is_a_whole_number_github_can_show(tmp_path, value, problem):
    message = error_of(tmp_path, f"keywords: [K]\nreadme_budget: {value}\n")
    assert message.endswith(f"keywords.yaml:2: readme_budget: {problem}")


def test_readme_budget_and_papers_folder_defaults_and_values(tmp_path):
    config = load(tmp_path, "keywords: [K]\n")
    assert config.readme_budget == 450_000 and config.paths.papers == tmp_path / "papers"
    config = load(tmp_path, "keywords: [K]\nreadme_budget: 10000\npaths: {papers: lists}\n")
    assert config.readme_budget == 10_000 and config.paths.papers == tmp_path / "lists"


def test_an_echoed_value_shows_one_backslash_and_escapes_control_characters():
    from tracker.config import validators

    with pytest.raises(validators.Invalid) as caught:
        validators.category("cs\\LG")
    assert str(caught.value).startswith("'cs\\LG' is not an arXiv archive")
    with pytest.raises(validators.Invalid) as caught:
        validators.heading("Time\x07Series")
    assert str(caught.value) == "'Time\\x07Series' contains a control character"
