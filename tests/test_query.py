"""The arXiv search query built for a keyword (tracker.sources.query)."""

from __future__ import annotations

import pytest

from tracker.sources.query import build_query, phrase_problem, phrase_term


def test_original_query_shape():
    assert phrase_term("Time Series") == 'ti:"Time Series" OR abs:"Time Series"'
    assert phrase_term("Trajectory") == 'ti:"Trajectory" AND abs:"Trajectory"'
    assert phrase_term("  graph   neural ") == 'ti:"graph neural" OR abs:"graph neural"'


def test_synonyms_and_exclusions_extend_the_query():
    assert build_query("A B", synonyms=("C",), exclude=("D E",)) == (
        '((ti:"A B" OR abs:"A B") OR (ti:"C" AND abs:"C")) ANDNOT ((ti:"D E" OR abs:"D E"))')
    assert build_query("x", raw="cat:cs.LG", exclude=("y",)) == (
        '(cat:cs.LG) ANDNOT ((ti:"y" AND abs:"y"))')


@pytest.mark.parametrize("phrase", ["Mixture of Experts (MoE)", "Text-to-SQL: a survey",
                                    "C++", "R&D", "café", "self-supervised"])
def test_punctuation_is_quoted_not_rejected(phrase):
    assert phrase_problem(phrase) is None
    assert build_query(phrase).count('"') == 4


@pytest.mark.parametrize(("phrase", "problem"), [
    ('a "b"', "double quote"),
    ("a\\b", "backslash"),
    ("a\tb", "control character"),
    ("cats AND dogs", "AND"),
    ("this OR that", "OR"),
    ("x ANDNOT y", "ANDNOT"),
    ("   ", "empty"),
])
def test_what_quoting_cannot_neutralise_is_rejected(phrase, problem):
    assert problem in (phrase_problem(phrase) or "")


def test_operator_words_in_lower_case_or_inside_words_are_fine():
    assert phrase_problem("research and development") is None
    assert phrase_problem("ORCA ANDROID") is None
