"""The title link is the abstract page arXiv gives for that version, scheme as given."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, entry, make_paper
from tests.fake_arxiv import feed_xml
from tracker.sources.feed import parse_page


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_link_arxiv_gives_is_kept_with_its_scheme(scheme):
    body = feed_xml([entry("2505.02393v2", "2026-08-20T10:00:00Z")], 1, 0, "q").replace(
        b"<id>https://arxiv.org/abs/", f"<id>{scheme}://arxiv.org/abs/".encode())
    (paper,) = parse_page(body, "2026-08-21").papers
    assert paper.abs_url == f"{scheme}://arxiv.org/abs/2505.02393v2"


def test_a_recorded_feed_from_before_late_2025_gives_http_links():
    body = (FIXTURES / "arxiv" / "query-testing-10-results.xml").read_bytes()
    papers = parse_page(body, "2026-08-21").papers
    assert papers and all(p.abs_url == f"http://arxiv.org/abs/{p.id}v{p.version}"
                          for p in papers)


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
