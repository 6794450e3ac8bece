"""What is read from the store is checked, not trusted: ids, versions, dates, links."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import make_paper
from tracker.errors import StoreError
from tracker.models import STORE_SCHEMA, KeywordRecord, Store
from tracker.store import backup_path, dumps, load_store, save_store


def stored(tmp_path, text: str):
    """``text`` as the store, after two good saves (so a backup exists); the load's error."""
    path = tmp_path / "papers.json"
    good = Store(keywords={"K": KeywordRecord(papers=(make_paper(),))}, last_change="2026-08-21")
    save_store(path, good)
    save_store(path, good)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        load_store(path)
    assert path.read_text(encoding="utf-8") == text  # nothing overwritten
    message = str(caught.value)
    assert message.startswith(f"{path} is damaged, not a tracker store: ")
    assert f"cp {backup_path(path)} {path}" in message and "git checkout" in message
    return message


def with_paper(**changes: object) -> str:
    data = json.loads(dumps(Store(keywords={"K": KeywordRecord(papers=(make_paper(),))})))
    data["keywords"]["K"]["papers"][0].update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"id": "x)<script>"}, "papers[0].id: not an arXiv identifier: 'x)<script>'"),
    ({"id": "2608.001"}, "papers[0].id: not an arXiv identifier"),
    ({"id": "2608.00001\n"}, "papers[0].id: not an arXiv identifier"),
    ({"id": "../../etc/0601001"}, "papers[0].id: not an arXiv identifier"),
    ({"version": 0}, "papers[0].version: not a version from 1 to 9999: 0"),
    ({"version": 10**12}, "papers[0].version: not a version from 1 to 9999"),
    ({"notified_version": -1}, "papers[0].notified_version: not a version"),
    ({"updated": "2026-08-19"}, "papers[0].updated: not a UTC time"),
    ({"published": "2026-02-30T10:00:00Z"}, "papers[0].published: not a UTC time"),
    ({"updated": "2026-8-9T1:2:3Z"}, "papers[0].updated: not a UTC time"),
    ({"first_seen": "2026-13-01"}, "papers[0].first_seen: not a date"),
    ({"first_seen": "20260821"}, "papers[0].first_seen: not a date"),
    ({"abs_url": "javascript:alert(1)"},
     "papers[0].abs_url: not the abstract page of 2608.00001v1: 'javascript:alert(1)'"),
    ({"abs_url": "https://arxiv.org/abs/2608.00001v2"}, "papers[0].abs_url: not the abstract"),
    ({"abs_url": "https://evil.example/abs/2608.00001v1"}, "papers[0].abs_url: not the abstract"),
    ({"abs_url": "https://arxiv.org/abs/2608.00001v1)](x"}, "papers[0].abs_url: not the abstract"),
    ({"pdf_url": "https://evil.example/x.pdf"}, "papers[0].pdf_url: not the PDF of"),
])
def test_a_crafted_paper_is_a_damaged_store(tmp_path, changes, problem):
    assert problem in stored(tmp_path, with_paper(**changes))


@pytest.mark.parametrize(("top", "record", "problem"), [
    ({"last_change": "2026-08-21\n## Injected"}, {}, "last_change: not a date"),
    ({"last_change": "yesterday"}, {}, "last_change: not a date"),
    ({}, {"last_success": "2026-08-32"}, "keywords.K.last_success: not a date"),
    ({}, {"failing_since": "soon"}, "keywords.K.failing_since: not a date"),
    ({}, {"seen_newest": "2026-08-21 10:00:00"}, "keywords.K.seen_newest: not a UTC time"),
    ({}, {"papers": {}}, "keywords.K.papers: unexpected value {}"),
])
def test_crafted_dates_of_a_record_or_the_store_are_a_damaged_store(tmp_path, top, record,
                                                                    problem):
    data = {"schema": STORE_SCHEMA, "last_change": None, "keywords": {"K": {"papers": []}}}
    data.update(top)
    data["keywords"]["K"].update(record)
    assert problem in stored(tmp_path, json.dumps(data))


@pytest.mark.parametrize("link", ["http://arxiv.org/abs/2608.00001v1",
                                  "https://arxiv.org/abs/2608.00001v1"])
def test_the_abstract_link_is_kept_as_stored(tmp_path, link):
    path = tmp_path / "papers.json"
    path.write_text(with_paper(abs_url=link), encoding="utf-8")
    (paper,) = load_store(path).keywords["K"].papers
    assert paper.abs_url == link
    assert paper.pdf_url == "https://arxiv.org/pdf/2608.00001v1"


def test_old_style_identifiers_are_read(tmp_path):
    path = tmp_path / "papers.json"
    paper = make_paper("math/0601001", version=2, abs_url="http://arxiv.org/abs/math/0601001v2")
    save_store(path, Store(keywords={"K": KeywordRecord(papers=(paper,))}))
    assert load_store(path).keywords["K"].papers == (paper,)


def test_a_store_that_is_a_symbolic_link_is_refused(tmp_path):
    real = tmp_path / "real.json"
    save_store(real, Store(last_change="2026-08-21"))
    link = tmp_path / "papers.json"
    os.symlink(real, link)
    with pytest.raises(StoreError, match=r"papers\.json is a symbolic link"):
        load_store(link)
    with pytest.raises(StoreError, match="is a symbolic link"):
        save_store(link, Store())
    assert link.is_symlink() and load_store(real).last_change == "2026-08-21"


def test_a_store_that_would_not_read_back_is_not_written(tmp_path):
    path = tmp_path / "papers.json"
    save_store(path, Store(last_change="2026-08-21"))
    before = path.read_bytes()
    bad = Store(keywords={"K": KeywordRecord(papers=(make_paper("a)b/1234567"),))})
    with pytest.raises(StoreError, match=r"was not saved: the new store would not be valid "
                                         r"\(keywords\.K\.papers\[0\]\.id: not an arXiv"):
        save_store(path, bad)
    assert path.read_bytes() == before and not backup_path(path).exists()
