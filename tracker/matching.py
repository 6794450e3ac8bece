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
    pattern: re.Pattern[str] | None
    """``None`` for a single word, where holding the word is the whole test."""
    words: frozenset[str]
    """The phrase's word characters in runs; a paper must hold all of them to match."""

    @classmethod
    def of(cls, phrase: str) -> _Phrase:
        normal = normalize(phrase)
        words = _WORD.findall(normal)
        single = len(words) == 1 and words[0] == normal.strip()
        return cls(None if single else phrase_pattern(normal), frozenset(words))

    def found_in(self, text: str, words: frozenset[str]) -> bool:
        if not self.words <= words:
            return False
        return self.pattern is None or self.pattern.search(text) is not None


class Matcher:
    """The keywords compiled once; ``keywords_of`` names the keywords a paper matches.

    Each phrase (names, synonyms, exclusions) is filed under one of its
    words, so a paper is checked only against the phrases filed under the
    words it holds (a set intersection), not against every keyword.
    """

    def __init__(self, keywords: Sequence[Keyword]):
        self.names = tuple(keyword.name for keyword in keywords)
        self.index: dict[str, list[tuple[int, bool, _Phrase]]] = {}
        self.wordless: list[tuple[int, bool, _Phrase]] = []
        for number, keyword in enumerate(keywords):
            phrases = [(p, False) for p in (keyword.name, *keyword.synonyms)]
            phrases += [(p, True) for p in keyword.exclude]
            for text, excludes in phrases:
                phrase = _Phrase.of(text)
                entry = (number, excludes, phrase)
                if phrase.words:
                    self.index.setdefault(max(sorted(phrase.words), key=len), []).append(entry)
                else:
                    self.wordless.append(entry)

    def keywords_of(self, title: str, abstract: str) -> tuple[str, ...]:
        """Names of the matching keywords, in config order."""
        text = normalize(f"{title}\n{abstract}")
        words = frozenset(_WORD.findall(text))
        found: set[int] = set()
        excluded: set[int] = set()
        entries = [entry for word in words & self.index.keys() for entry in self.index[word]]
        for number, excludes, phrase in entries + self.wordless:
            if number in excluded or (not excludes and number in found):
                continue
            if phrase.found_in(text, words):
                (excluded if excludes else found).add(number)
        return tuple(self.names[n] for n in sorted(found - excluded))


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
