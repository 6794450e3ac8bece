"""The JSON store file (tracker.store): layout, round trip, atomic writes, damage, locking."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, make_paper
from tracker.errors import LockBusyError, StoreError
from tracker.models import STORE_SCHEMA, KeywordRecord, Paper, Store
from tracker.store import (
    backup_path,
    dumps,
    load_store,
    remove_stale_temporaries,
    save_store,
    store_lock,
)
from tracker.store.schema import loads


def sample_store() -> Store:
    papers = (make_paper("2608.00002", updated="2026-08-20T10:00:00Z", comment="5 pages",
                         title="Ünïcode — title", categories=("cs.LG", "stat.ML")),
              make_paper("2608.00001", version=3))
    return Store(
        keywords={
            "Zeta": KeywordRecord(papers=papers, query="q", categories=("cs",),
                                  last_success="2026-08-21"),
            "Alpha": KeywordRecord(last_error="HTTP 503", failing_since="2026-08-20"),
        },
        last_change="2026-08-21",
    )


def one_paper_store(**changes: object) -> str:
    """A store's text with one paper whose fields are changed (damaged) as given."""
    paper = json.loads(dumps(sample_store()))["keywords"]["Zeta"]["papers"][0]
    return json.dumps({"schema": STORE_SCHEMA, "keywords": {"K": {"papers": [
        {**paper, **changes}]}}})


def test_round_trip_and_layout(tmp_path):
    path = tmp_path / "data" / "papers.json"
    store = sample_store()
    save_store(path, store)
    assert load_store(path) == store
    text = path.read_text(encoding="utf-8")
    assert text == dumps(store) and text.endswith("}\n")
    data = json.loads(text)
    assert data["schema"] == STORE_SCHEMA
    assert list(data["keywords"]) == ["Alpha", "Zeta"]  # stable order, whatever the config order
    paper = data["keywords"]["Zeta"]["papers"][0]
    assert list(paper) == ["id", "version", "title", "authors", "abstract", "comment",
                           "categories", "primary_category", "published", "updated", "abs_url",
                           "pdf_url", "first_seen", "notified_version"]
    assert paper["abs_url"] == "https://arxiv.org/abs/2608.00002v1"
    assert data["keywords"]["Zeta"]["papers"][1]["pdf_url"] == "https://arxiv.org/pdf/2608.00001v3"
    assert "Ünïcode — title" in text  # UTF-8, not \u escapes: diffs stay readable


def test_missing_store_is_empty(tmp_path):
    assert load_store(tmp_path / "papers.json") == Store()


def test_saving_keeps_the_previous_store_as_backup(tmp_path):
    path = tmp_path / "papers.json"
    first = sample_store()
    save_store(path, first)
    assert not backup_path(path).exists()
    save_store(path, Store(last_change="2026-08-22"))
    assert load_store(backup_path(path)) == first
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(("content", "problem"), [
    ('{"schema": 1, "keywords": {', "not valid JSON (line 1"),
    ('[1, 2]', "not a tracker store: top level: unexpected value"),
    ('{"keywords": {}}', "not a tracker store: no valid schema version"),
    ('{"schema": 1, "keywords": {"K": {"papers": [{"id": "x"}]}}}',
     "not a tracker store: keywords.K.papers[0]: missing version"),
    ('{"schema": 1, "keywords": {"K": {"papers": [], "last_error": 5}}}',
     "keywords.K.last_error: unexpected value 5"),
    *[(one_paper_store(**{key: value}), f"keywords.K.papers[0].{key}: unexpected value {shown}")
      for key, value, shown in (("version", True, "True"), ("notified_version", True, "True"),
                                ("authors", ["A", 1], "1"), ("comment", 5, "5"),
                                ("title", None, "None"), ("categories", "cs.LG", "'cs.LG'"))],
])
def test_damaged_store_is_named_never_overwritten_and_recovery_is_explained(tmp_path, content,
                                                                            problem):
    path = tmp_path / "papers.json"
    save_store(path, sample_store())
    save_store(path, sample_store())  # now a backup exists
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        load_store(path)
    message = str(caught.value)
    assert message.startswith(f"{path} is damaged, ") and problem in message
    assert f"cp {backup_path(path)} {path}" in message and "git checkout" in message
    assert path.read_text(encoding="utf-8") == content


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "papers.json"
    path.write_text(json.dumps({"schema": STORE_SCHEMA + 1, "keywords": {}}), encoding="utf-8")
    with pytest.raises(StoreError, match=f"store schema {STORE_SCHEMA + 1} is newer than") as error:
        load_store(path)
    # "tracker" on PyPI is another project: the message names this one's distribution.
    assert "reinstall the arxiv-daily-tracker package" in str(error.value)
    assert "pip install -U" not in str(error.value)


def test_missing_store_with_a_backup_is_not_mistaken_for_a_new_one(tmp_path):
    path = tmp_path / "papers.json"
    save_store(path, sample_store())
    save_store(path, sample_store())
    path.unlink()
    with pytest.raises(StoreError, match="is missing but its backup"):
        load_store(path)


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path):
    path = tmp_path / "papers.json"
    leftover = tmp_path / ".papers.json.12345.tmp"
    leftover.write_text("half a store")
    other = tmp_path / ".unrelated.tmp"
    other.write_text("not ours")
    remove_stale_temporaries(path)
    assert not leftover.exists() and other.exists()


def test_second_holder_of_the_lock_gets_a_clear_message(tmp_path):
    path = tmp_path / "papers.json"
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with store_lock(path, wait=1):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(LockBusyError, match="another tracker run is using"), \
                store_lock(path, wait=0.2):
            pass
    finally:
        release.set()
        thread.join()
    with store_lock(path, wait=0):
        pass  # free again once released


def test_schema_1_store_is_migrated_with_every_paper_counted_as_announced(tmp_path):
    path = tmp_path / "papers.json"
    paper = {"id": "2608.00001", "version": 2, "title": "T", "authors": ["A"], "abstract": "B",
             "comment": None, "categories": ["cs.LG"], "primary_category": "cs.LG",
             "published": "2026-08-01T00:00:00Z", "updated": "2026-08-02T00:00:00Z",
             "abs_url": "https://arxiv.org/abs/2608.00001v2",
             "pdf_url": "https://arxiv.org/pdf/2608.00001v2", "first_seen": "2026-08-03"}
    version_1 = {"schema": 1, "last_change": "2026-08-03", "keywords": {"K": {
        "query": "q", "categories": ["cs"], "last_success": "2026-08-03", "last_error": None,
        "failing_since": None, "papers": [paper]}}}
    path.write_text(json.dumps(version_1), encoding="utf-8")
    store = load_store(path)
    (migrated,) = store.keywords["K"].papers
    assert migrated.notified_version == 2 and not migrated.pending
    assert (migrated.id, migrated.first_seen, store.last_change) == ("2608.00001", "2026-08-03",
                                                                     "2026-08-03")
    save_store(path, store)
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == STORE_SCHEMA


# Text that JSON must escape (quotes, backslashes, control characters) next to text it must not.
_TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from('"\\\n\t\x00\x1f/'),
                max_size=12)
_OPTIONAL = st.none() | _TEXT
_IDS = (st.builds("{:02d}{:02d}.{:05d}".format, st.integers(7, 99), st.integers(1, 12),
                  st.integers(0, 99999))
        | st.builds("{}/{:07d}".format, st.sampled_from(["math", "hep-th", "math.GT"]),
                    st.integers(0, 9_999_999)))
_MOMENTS = st.datetimes(min_value=datetime(1991, 1, 1), max_value=datetime(2099, 12, 31))
_STAMPS = _MOMENTS.map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
_DAYS = _MOMENTS.map(lambda moment: moment.strftime("%Y-%m-%d"))
_PAPERS = st.builds(Paper, id=_IDS, version=st.integers(1, 99), title=_TEXT,
                    authors=st.lists(_TEXT, max_size=3).map(tuple), abstract=_TEXT,
                    comment=_OPTIONAL, categories=st.lists(_TEXT, max_size=3).map(tuple),
                    primary_category=_TEXT, published=_STAMPS, updated=_STAMPS, first_seen=_DAYS,
                    notified_version=st.none() | st.integers(1, 99),
                    abs_url=st.sampled_from(["", "http://", "https://"]))
_RECORDS = st.builds(KeywordRecord, papers=st.lists(_PAPERS, max_size=3).map(tuple),
                     query=_OPTIONAL, categories=st.none() | st.lists(_TEXT, max_size=2).map(tuple),
                     last_success=st.none() | _DAYS, last_error=_OPTIONAL,
                     failing_since=st.none() | _DAYS, seen_newest=st.none() | _STAMPS)
_STORES = st.builds(Store, keywords=st.dictionaries(_TEXT, _RECORDS, max_size=3),
                    last_change=st.none() | _DAYS)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(store=_STORES)
def test_store_text_reads_back_as_the_same_store_and_the_same_text(store):
    text = dumps(store)
    assert loads(text) == store
    assert dumps(loads(text)) == text


def test_the_layout_of_existing_stores_is_kept_byte_for_byte():
    # Written by the tracker's earlier, hand-laid-out writer: what is committed in users'
    # repositories must not change when a run has nothing new.
    written = (FIXTURES / "store" / "papers.json").read_bytes()
    store = loads(written.decode("utf-8"))
    assert dumps(store).encode("utf-8") == written
    assert store.keywords["Zeta"].papers[2].id == "math/0601001"


def test_the_store_is_written_as_json_dumps_writes_it(tmp_path):
    path = tmp_path / "papers.json"
    save_store(path, sample_store())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == json.dumps(data, indent=2,
                                                          ensure_ascii=False) + "\n"


def test_without_a_backup_the_hint_is_git_alone(tmp_path):
    path = tmp_path / "papers.json"
    path.write_text("{oops", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        load_store(path)
    assert str(caught.value).endswith(
        f"The tracker will not overwrite it; restore it from git with `git checkout -- {path}`")
