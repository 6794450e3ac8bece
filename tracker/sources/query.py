"""Build the arXiv ``search_query`` for a keyword.

Query grammar, from the arXiv API User's Manual ("Details of Query
Construction"): field prefixes such as ``ti:`` (title) and ``abs:``
(abstract), the Boolean operators ``AND``, ``OR`` and ``ANDNOT``, parentheses
for grouping and double quotes for phrases. Each phrase is put in double
quotes, so parentheses, colons and other punctuation inside it are phrase
text, not syntax. What quoting cannot neutralise is rejected: a double quote
or backslash (arXiv has no escape for them), control characters, and the
operator words in capitals.
"""

from __future__ import annotations

import re

_OPERATOR_WORD = re.compile(r"(?<![\w-])(AND|OR|ANDNOT)(?![\w-])")
_FORBIDDEN = {'"': "a double quote", "\\": "a backslash"}


def phrase_problem(text: str) -> str | None:
    """Why ``text`` cannot be used as a quoted phrase, or ``None`` when it can."""
    if not text.strip():
        return "is empty"
    for char, name in _FORBIDDEN.items():
        if char in text:
            return f"contains {name}, which cannot be quoted in an arXiv query"
    if any(not ch.isprintable() for ch in text):
        return "contains a control character"
    operator = _OPERATOR_WORD.search(text)
    if operator:
        return (
            f"contains the word {operator.group(1)}, which arXiv reads as an operator; "
            "write it in lower case, or give a raw `query`"
        )
    return None


def phrase_term(phrase: str) -> str:
    """``ti:"P" OR abs:"P"``, or ``AND`` for a one-word phrase, as the original tracker does."""
    words = phrase.split()
    quoted = '"' + " ".join(words) + '"'
    operator = "AND" if len(words) == 1 else "OR"
    return f"ti:{quoted} {operator} abs:{quoted}"


def build_query(
    name: str,
    synonyms: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    raw: str | None = None,
) -> str:
    """The search query for one keyword.

    Without synonyms or exclusions the query is exactly the original's
    ``ti:"K" OR abs:"K"``. Synonyms are ORed in, each group in parentheses;
    exclusions follow as ``ANDNOT (...)``. A raw query replaces the generated
    one and is kept in parentheses when exclusions are added to it.
    """
    if raw is not None:
        base = raw.strip()
    elif not synonyms:
        base = phrase_term(name)
    else:
        base = " OR ".join(f"({phrase_term(p)})" for p in (name, *synonyms))
    if not exclude:
        return base
    excluded = " OR ".join(f"({phrase_term(p)})" for p in exclude)
    return f"({base}) ANDNOT ({excluded})"
