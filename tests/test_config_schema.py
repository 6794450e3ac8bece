"""The config's keys, defaults and ranges agree everywhere: code, JSON Schema, shipped config,
docs."""

from __future__ import annotations

import re
from dataclasses import MISSING, Field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tracker.config import Config, Keyword, config_keys, load_config, validators
from tracker.config.settings import keys_of, sections_of
from tracker.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "config" / "keywords.schema.json"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
SHIPPED = REPO / "config" / "keywords.yaml"
DOCS = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")

CONSTRAINTS = ("type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern",
               "minLength", "enum", "items")


def resolved(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` (into ``$defs``) merged in."""
    if "$ref" not in node:
        return node
    target = SCHEMA
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    return {**resolved(target), **{k: v for k, v in node.items() if k != "$ref"}}


def constraints_of(node: dict[str, Any]) -> dict[str, Any]:
    node = resolved(node)
    found = {key: node[key] for key in CONSTRAINTS if key in node}
    if "items" in found:
        found["items"] = constraints_of(found["items"])
    return found


def as_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [as_json(item) for item in value]
    return str(value) if isinstance(value, Path) else value


def every_key() -> list[tuple[str, Field[Any], dict[str, Any]]]:
    """``(dotted key, its dataclass field, its schema node)`` for every key of the config."""
    properties = SCHEMA["properties"]
    keyword_object = properties["keywords"]["items"]["oneOf"][1]["properties"]
    found = [(f"keywords[].{name}", item, keyword_object.get(name))
             for name, item in keys_of(Keyword).items()]
    found += [(name, item, properties.get(name)) for name, item in keys_of(Config).items()]
    for section, cls in sections_of(Config).items():
        nested = properties.get(section, {}).get("properties", {})
        found += [(f"{section}.{name}", item, nested.get(name))
                  for name, item in keys_of(cls).items()]
    return found


def test_schema_lists_exactly_the_keys_of_the_code():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    properties = SCHEMA["properties"]
    accepted = config_keys()
    assert set(properties) == set(accepted)
    keyword_object = properties["keywords"]["items"]["oneOf"][1]
    assert sorted(keyword_object["properties"]) == accepted["keywords"]
    for section, keys in accepted.items():
        if keys is not None and section != "keywords":
            assert sorted(properties[section]["properties"]) == keys, section
            assert properties[section]["additionalProperties"] is False


@pytest.mark.parametrize(("key", "item", "node"), every_key(), ids=lambda v: str(v)[:30])
def test_schema_default_and_constraints_of_each_key_are_the_codes(key, item, node):
    assert node is not None, f"{key} is not in the schema"
    default = None if item.default is MISSING else as_json(item.default)
    assert node.get("default") == default, key
    assert type(node.get("default")) is type(default) or not isinstance(default, bool), key
    assert constraints_of(node) == validators.schema_of(item.metadata["check"]), key


@pytest.mark.parametrize(("key", "item", "node"), every_key(), ids=lambda v: str(v)[:30])
def test_the_declared_bounds_are_what_the_checks_enforce(key, item, node):
    check, schema = item.metadata["check"], validators.schema_of(item.metadata["check"])
    if "integer" not in schema["type"] and "number" not in schema["type"]:
        return
    if "minimum" in schema:
        check(schema["minimum"])
        with pytest.raises(validators.Invalid):
            check(schema["minimum"] - 1)
    if "exclusiveMinimum" in schema:
        check(schema["exclusiveMinimum"] + 0.5)
        with pytest.raises(validators.Invalid):
            check(schema["exclusiveMinimum"])
    if "maximum" in schema:
        check(schema["maximum"])
        with pytest.raises(validators.Invalid):
            check(schema["maximum"] + 1)


def test_shipped_config_is_valid_and_points_editors_at_the_schema():
    config = load_config(SHIPPED, {})
    assert config.keywords
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=keywords.schema.json\n")
    jsonschema.validate(yaml.safe_load(text), SCHEMA)


def test_the_values_the_shipped_config_shows_are_the_defaults():
    text = SHIPPED.read_text(encoding="utf-8")
    shown = yaml.safe_load(text)
    given = {}
    for key, value in shown.items():
        if isinstance(value, dict) and key != "digest":
            given.update({f"{key}.{name}": inner for name, inner in value.items()})
        elif key not in ("keywords", "digest"):
            given[key] = value
    for key, item, _ in every_key():
        if key.startswith("keywords[]") or item.default is None:
            assert key not in given, f"{key} has no default, but the file shows a value"
            continue
        default = as_json(item.default)
        if key in given:
            assert given[key] == default, key
        else:  # shown in a comment, as `# key: default`
            value = yaml.safe_dump(default, default_flow_style=True).removesuffix("\n...\n")
            name = key.rpartition(".")[2]
            assert re.search(rf"#\s*{name}: {re.escape(value.strip())}\s", text), key


def docs_defaults() -> dict[str, str]:
    """``section.key`` (or ``key`` at the top level) -> the default cell of its docs table."""
    found, section = {}, None
    for line in DOCS.splitlines():
        heading = re.match(r"## `(\w+)`|## Top-level settings", line)
        if heading:
            section = heading.group(1)
            continue
        row = re.match(r"\| `(\w+)` \| (.*?) \| .* \|$", line)
        if row and section != "keywords":
            found[f"{section}.{row.group(1)}" if section else row.group(1)] = row.group(2)
    return found


def test_the_docs_describe_every_key_with_its_default():
    documented = docs_defaults()
    for key, item, _ in every_key():
        if key.startswith("keywords[]"):
            assert f"| `{key.removeprefix('keywords[].')}` |" in DOCS, key
            continue
        assert key in documented, f"{key} is not documented"
        cell = documented[key]
        single_value = re.fullmatch(r"`[^`]*`", cell) is not None
        if item.default is None:  # documented in words: "all", "none", where it comes from
            assert not single_value, f"{key}: documented default {cell}, none in the code"
        else:
            assert single_value, f"{key}: documented default {cell}"
            assert yaml.safe_load(cell.strip("`")) == as_json(item.default), key


@pytest.mark.parametrize("text", [
    "keywords: []\n",
    "keywords: [a]\nmax_papers: 0\n",
    "keywords: [a]\narxiv: {retries: 11}\n",
    "keywords: [a]\narxiv: {timeout: 0}\n",
    "keywords: [a]\nreadme_rows: -1\n",
    "keywords: [a]\nunknown: 1\n",
    "keywords:\n  - name: a\n    colour: red\n",
    "keywords: ['say \"hi\"']\n",
    "keywords: [a]\nissue: {labels: ['a,b']}\n",
    "keywords: [a]\ncategories: [Computer Science]\n",
])
def test_schema_and_tracker_reject_the_same_mistakes(tmp_path, text):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), SCHEMA)
    path = tmp_path / "keywords.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path, {})
