"""Which announced papers match which keywords: a local, pure stand-in for arXiv's search.

The rules (written for users in ``docs/configuration.md``): a keyword matches
a paper when its name or one of its synonyms appears in the title or the
abstract as whole words, ignoring case, a hyphen counting as a space
(``self-supervised`` = ``self supervised``); a paper mentioning one of the
keyword's exclusions does not match it. A keyword with a raw ``query`` is
matched on its name alone. arXiv's own search stems words and searches more
fields, so the two can differ.

Speed: every phrase is compiled once per run; a paper's words are collected
once, and a phrase's pattern runs only on papers holding all its words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from tracker.config import Keyword
from tracker.merge import phrase_pattern
from tracker.models import Announcement

_HYPHENS = re.compile(r"[-\u2010\u2011\u2012\u2013]")
_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """Lower case, hyphens (ASCII and Unicode) as spaces: the text phrases are looked up in."""
    return _HYPHENS.sub(" ", text.casefold())


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern[str]
    words: frozenset[str]
    """The phrase's word characters in runs; a paper must hold all of them to match."""

    @classmethod
    def of(cls, phrase: str) -> _Phrase:
        normal = normalize(phrase)
        return cls(phrase_pattern(normal), frozenset(_WORD.findall(normal)))

    def found_in(self, text: str, words: frozenset[str]) -> bool:
        return self.words <= words and self.pattern.search(text) is not None


@dataclass(frozen=True)
class _Rule:
    name: str
    phrases: tuple[_Phrase, ...]
    exclusions: tuple[_Phrase, ...]


class Matcher:
    """The keywords compiled once; ``keywords_of`` names the keywords a paper matches."""

    def __init__(self, keywords: Sequence[Keyword]):
        self.rules = tuple(
            _Rule(keyword.name,
                  tuple(_Phrase.of(p) for p in (keyword.name, *keyword.synonyms)),
                  tuple(_Phrase.of(p) for p in keyword.exclude))
            for keyword in keywords
        )

    def keywords_of(self, title: str, abstract: str) -> tuple[str, ...]:
        """Names of the matching keywords, in config order."""
        text = normalize(f"{title}\n{abstract}")
        words = frozenset(_WORD.findall(text))
        return tuple(
            rule.name for rule in self.rules
            if any(p.found_in(text, words) for p in rule.phrases)
            and not any(p.found_in(text, words) for p in rule.exclusions)
        )


def select_announcements(items: Iterable[Announcement], keywords: Sequence[Keyword], *,
                         announce_types: Sequence[str],
                         match_all: bool) -> tuple[Announcement, ...]:
    """The items of the wanted announce types, each with the keywords it matched, feed order.

    With ``match_all`` every item of those types is kept; otherwise only
    items matching at least one keyword.
    """
    matcher = Matcher(keywords)
    wanted = set(announce_types)
    selected = []
    for item in items:
        if item.announce_type not in wanted:
            continue
        names = matcher.keywords_of(item.title, item.abstract)
        if names or match_all:
            selected.append(replace(item, keywords=names))
    return tuple(selected)
