"""The title link is the abstract page arXiv gives for that version, scheme as given."""

from __future__ import annotations

from datetime import UTC, datetime

import arxiv
import pytest

from tests.conftest import make_paper
from tracker.sources.arxiv_api import to_paper


def result(entry_id: str) -> arxiv.Result:
    moment = datetime(2026, 8, 20, 10, 0, tzinfo=UTC)
    return arxiv.Result(entry_id=entry_id, updated=moment, published=moment, title="T",
                        authors=[arxiv.Result.Author("A")], summary="S", comment="",
                        primary_category="cs.LG", categories=["cs.LG"])


@pytest.mark.parametrize("link", ["http://arxiv.org/abs/2505.02393v2",
                                  "https://arxiv.org/abs/2505.02393v2",
                                  "http://arxiv.org/abs/math/0601001v1"])
def test_the_link_arxiv_gives_is_kept_with_its_scheme(link):
    paper = to_paper(result(link), "2026-08-21")
    assert paper is not None and paper.abs_url == link


def test_a_paper_without_a_link_of_its_own_gets_the_built_one():
    assert make_paper("2608.00001", version=3).abs_url == "https://arxiv.org/abs/2608.00001v3"


@pytest.mark.parametrize("link", ["javascript:alert(1)//arxiv.org/abs/2608.00001v2",
                                  "https://arxiv.org/abs/2608.00001v1",  # another version
                                  "ftp://arxiv.org/abs/2608.00001v2",
                                  "https://arxiv.org.evil/abs/2608.00001v2",
                                  "https://arxiv.org/abs/2608.00001v2?x=1"])
def test_a_link_of_another_shape_is_replaced_by_the_built_one(link):
    assert make_paper("2608.00001", version=2, abs_url=link).abs_url == (
        "https://arxiv.org/abs/2608.00001v2")
