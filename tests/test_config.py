"""Reading and checking the configuration (tracker.config): every message names file, key, line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tracker.config import Config, config_keys, load_config
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
    assert config.paths.store == Path("state/p.json")


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


# --- the shipped config and its JSON Schema ---

SCHEMA = json.loads((REPO / "config" / "keywords.schema.json").read_text(encoding="utf-8"))


def test_shipped_config_is_valid_and_points_editors_at_the_schema():
    config = load_config(REPO / "config" / "keywords.yaml", {})
    assert config.keywords
    text = (REPO / "config" / "keywords.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=keywords.schema.json\n")
    jsonschema.validate(yaml.safe_load(text), SCHEMA)


def test_schema_describes_exactly_the_keys_the_tracker_accepts():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    properties = SCHEMA["properties"]
    accepted = config_keys()
    assert set(properties) == set(accepted)
    keyword_object = properties["keywords"]["items"]["oneOf"][1]
    assert sorted(keyword_object["properties"]) == accepted["keywords"]
    for section, keys in accepted.items():
        if keys is not None and section != "keywords":
            assert sorted(properties[section]["properties"]) == keys, section


@pytest.mark.parametrize("text", [
    "keywords: []\n",
    "keywords: [a]\nmax_papers: 0\n",
    "keywords: [a]\narxiv: {retries: 11}\n",
    "keywords: [a]\nunknown: 1\n",
    "keywords:\n  - name: a\n    colour: red\n",
    "keywords: ['say \"hi\"']\n",
])
def test_schema_and_tracker_reject_the_same_mistakes(tmp_path, text):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), SCHEMA)
    error_of(tmp_path, text)


def test_docs_describe_every_key():
    docs = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for section, keys in config_keys().items():
        assert f"`{section}`" in docs, section
        for key in keys or ():
            assert f"| `{key}` |" in docs, f"{section}.{key} is not documented"


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
    assert config.readme_budget == 450_000 and config.paths.papers == Path("papers")
    config = load(tmp_path, "keywords: [K]\nreadme_budget: 10000\npaths: {papers: lists}\n")
    assert config.readme_budget == 10_000 and config.paths.papers == Path("lists")
