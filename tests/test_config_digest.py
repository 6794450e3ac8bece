"""The ``digest:`` section: defaults, every mistake with FILE:LINE, the schema in step."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.test_config import error_of, load
from tracker.config import DigestSettings, TranslateSettings
from tracker.config.digest import TRANSLATE_KEYS

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "config" / "keywords.schema.json").read_text(encoding="utf-8"))
FULL = """\
keywords: [Video]
issue: {body: digest}
digest:
  categories: [cs.CV, cs.MM]
  announce_types: [new, cross, replace]
  match: all
  path: out/{date}-digest.md
  translate:
    language: zh
    base_url: https://api.example.com/v1
    model: some-model
    api_key_env: TRACKER_TRANSLATE_KEY
"""


def test_a_full_digest_section(tmp_path):
    config = load(tmp_path, FULL)
    assert config.issue.body == "digest"
    assert config.digest == DigestSettings(
        categories=("cs.CV", "cs.MM"), announce_types=("new", "cross", "replace"), match="all",
        path=str(tmp_path / "out" / "{date}-digest.md"),  # relative to the repository root
        translate=TranslateSettings(language="zh", base_url="https://api.example.com/v1",
                                    model="some-model", api_key_env="TRACKER_TRANSLATE_KEY"))
    jsonschema.validate(yaml.safe_load(FULL), SCHEMA)


def test_defaults_and_a_digest_without_keywords(tmp_path):
    for text in ("digest: {categories: [cs.CV], match: all}\n",
                 "keywords: []\ndigest: {categories: [cs.CV], match: all}\n"):
        config = load(tmp_path, text)
        assert config.keywords == ()
        assert config.digest == DigestSettings(categories=("cs.CV",), match="all",
                                               path=str(tmp_path / "digests" / "{date}.md"))
        assert config.digest.announce_types == ("new", "cross")
        assert config.digest.endpoint == "https://rss.arxiv.org"
        jsonschema.validate(yaml.safe_load(text), SCHEMA)
    assert load(tmp_path, "keywords: [a]\n").digest is None


def test_the_feed_host_comes_from_the_environment(tmp_path):
    config = load(tmp_path, "keywords: [a]\ndigest: {categories: [cs.CV]}\n",
                  {"TRACKER_RSS_URL": "http://127.0.0.1:8081"})
    assert config.digest.endpoint == "http://127.0.0.1:8081"
    message = error_of(tmp_path, "keywords: [a]\ndigest: {categories: [cs.CV]}\n",
                       {"TRACKER_RSS_URL": "x"})
    assert message.startswith("environment variable TRACKER_RSS_URL: expected an http(s) URL")


@pytest.mark.parametrize(("text", "message"), [
    ("digest: {}\n", "keywords.yaml:1: digest: missing categories"),
    ("digest:\n  categories: [cs.CV]\n", "keywords.yaml:1: digest: the digest matches keywords "
     "but none are listed"),
    ("keywords: []\ndigest:\n  categories: [cs.CV]\n  match: keywords\n",
     "keywords.yaml:4: digest.match: the digest matches keywords but none are listed"),
    ("digest: [cs.CV]\n", "keywords.yaml:1: digest: expected a mapping"),
    ("digest:\n  categories: [cs]\n", "keywords.yaml:2: digest.categories: item 1: 'cs': "
     "the announcement feed takes categories"),
    ("digest:\n  categories: []\n", "keywords.yaml:2: digest.categories: expected at least one"),
    ("digest:\n  categories: [cs.CV]\n  announce_types: [new, old]\n",
     "keywords.yaml:3: digest.announce_types: item 2: expected one of new, cross, replace, "
     "replace-cross, got 'old'"),
    ("digest:\n  categories: [cs.CV]\n  match: some\n",
     "keywords.yaml:3: digest.match: expected one of keywords, all"),
    ("digest:\n  categories: [cs.CV]\n  path: 'd/{day}.md'\n",
     "keywords.yaml:3: digest.path: 'd/{day}.md': the only placeholder is {date}"),
    ("digest:\n  categories: [cs.CV]\n  path: 'd/{date}.txt'\n", "end the name with .md"),
    ("digest:\n  categories: [cs.CV]\n  colour: red\n",
     "keywords.yaml:3: digest.colour: unknown key"),
    ("digest:\n  categories: [cs.CV]\n  translate:\n    language: zh\n",
     "keywords.yaml:3: digest.translate: missing base_url, model"),
    ("digest:\n  categories: [cs.CV]\n  translate:\n    language: xx\n    base_url: http://h/v1\n"
     "    model: m\n", "keywords.yaml:4: digest.translate.language: expected one of zh"),
    ("digest:\n  categories: [cs.CV]\n  translate:\n    language: zh\n    base_url: h\n"
     "    model: m\n", "keywords.yaml:5: digest.translate.base_url: expected an http(s) URL"),
    ("digest:\n  categories: [cs.CV]\n  translate:\n    language: zh\n    base_url: http://h\n"
     "    model: m\n    api_key_env: sk-abc123\n",
     "keywords.yaml:7: digest.translate.api_key_env: 'sk-abc123' is not an environment"),
    ("digest:\n  categories: [cs.CV]\n  translate:\n    language: zh\n    base_url: http://h\n"
     "    model: m\n    key: x\n", "keywords.yaml:7: digest.translate.key: unknown key"),
    ("keywords: [a]\nissue: {body: html}\n", "issue.body: expected one of table, digest"),
    ("keywords: []\n", "keywords: expected a non-empty list"),
])
def test_each_mistake_gets_one_message_with_its_line(tmp_path, text, message):
    assert message in error_of(tmp_path, text)


@pytest.mark.parametrize("text", [
    "digest: {}\n",
    "digest: {categories: [cs]}\n",
    "digest: {categories: [cs.CV], match: some}\n",
    "digest: {categories: [cs.CV], path: 'd/{day}.md'}\n",
    "digest: {categories: [cs.CV], translate: {language: zh}}\n",
    "digest: {categories: [cs.CV], translate: {language: zh, base_url: 'http://h', model: m, "
    "key: x}}\n",
    "keywords: []\n",
])
def test_schema_rejects_the_same_mistakes(tmp_path, text):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), SCHEMA)
    error_of(tmp_path, text)


def test_schema_and_docs_know_every_translate_key():
    translate = SCHEMA["properties"]["digest"]["properties"]["translate"]["properties"]
    assert sorted(translate) == sorted(TRANSLATE_KEYS)
    docs = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for key in TRANSLATE_KEYS:
        assert f"| `{key}` |" in docs
