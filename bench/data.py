"""Synthetic, seeded arXiv data shaped like real answers, for the benchmark.

Sizes follow recorded arXiv answers (``tests/fixtures/arxiv``): titles of
50-110 characters, abstracts of 800-1,900 characters (arXiv's limit is
1,920), two to six authors, one to three categories, a comment on most
papers, and some titles and abstracts wrapped across lines as arXiv sends
them. An entry of the fake arXiv then weighs about 2.3 kB, as a real one does.
About one paper in twelve is outside the cs/stat archives, so the tracker's
category filter drops it, as it does every day with real answers.

Everything is drawn from one ``random.Random(seed)``: the same arguments give
the same feeds, byte for byte.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker.models import KeywordRecord, Paper, Store
from tracker.sources.query import build_query

_WORD_TEXT = (
    "adaptive attention bayesian benchmark calibration causal contrastive convex "
    "curriculum diffusion distillation distributed dynamics embedding ensemble "
    "estimation federated forecasting generative gradient graph hierarchical "
    "inference kernel latent learning manifold markov meta mixture model multimodal "
    "network neural optimal optimization policy posterior probabilistic pruning "
    "quantization random recurrent regression reinforcement representation robust "
    "sampling scalable segmentation self-supervised sequence sparse spectral "
    "stochastic structured temporal tensor transformer uncertainty variational "
    "vision weighted zero-shot retrieval alignment agent reasoning language "
    "detection anomaly trajectory series spatial clustering low-rank dataset "
    "evaluation training fine-tuning adversarial privacy fairness interpretable "
    "physics-informed operator equivariant topological continual transfer"
)
_WORDS = _WORD_TEXT.split()
_FILLER_TEXT = (
    "we propose a novel method for the problem of that improves on prior work "
    "in terms of accuracy and efficiency our experiments show consistent gains "
    "across several benchmarks while reducing the computational cost by a "
    "large margin furthermore we provide a theoretical analysis of the "
    "convergence and discuss limitations of the approach code is available"
)
_FILLER = _FILLER_TEXT.split()
_TEX = ("$\\mathcal{O}(n \\log n)$", "$x_i$", "$\\alpha$-divergence", "$\\ell_1$",
        "$k$-nearest", "$10\\%$", "$\\epsilon$", "$p < 0.05$", "Q&A", "state-of-the-art")
_FIRST = ("Ana", "Wei", "Jonas", "Priya", "Mateo", "Yuki", "Olga", "Kwame", "Lea", "Sanjay",
          "Chen", "Fatima", "Noah", "Ines", "Dmitri", "Aiko", "Omar", "Sofia", "Tomas", "Mei")
_LAST = ("Garcia", "Zhang", "Schmidt", "Patel", "Rossi", "Tanaka", "Ivanova", "Mensah",
         "Dubois", "Kumar", "Li", "Haddad", "Brown", "Silva", "Petrov", "Sato", "Nasser",
         "Costa", "Novak", "Wang", "Müller", "Núñez", "Øster")
_KEPT = ("cs.LG", "cs.AI", "cs.CL", "cs.CV", "cs.RO", "cs.IR", "stat.ML", "stat.ME",
         "cs.NE", "cs.SE")
_DROPPED = ("math.PR", "physics.comp-ph", "q-bio.QM", "eess.SP", "astro-ph.IM")
_COMMENTS = ("12 pages, 5 figures", "Accepted at NeurIPS 2026",
             "Preprint. Under review. 9 pages, 4 figures, 3 tables",
             "Code: https://github.com/example/project", "ICML 2026 workshop",
             "v2: fixed typos in Section 3; added experiments on two more datasets",
             "31 pages", "Journal version of a conference paper")

DAY_ONE = datetime(2026, 8, 19, 3, 0, tzinfo=UTC)
"""The first run's date; day N runs N-1 days later, each after a night of new papers."""


def run_day(day: int) -> str:
    return (DAY_ONE + timedelta(days=day - 1)).date().isoformat()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wrap(text: str, rng: random.Random) -> str:
    """Break long text with arXiv's newline-and-indent every dozen words or so."""
    every = rng.randint(10, 16)
    words = text.split(" ")
    return "".join(w + ("\n  " if i % every == every - 1 else " ")
                   for i, w in enumerate(words)).rstrip()


def _title(rng: random.Random) -> str:
    while True:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 12))]
        title = " ".join(w.capitalize() if i == 0 or rng.random() < 0.5 else w
                         for i, w in enumerate(words))
        if rng.random() < 0.3:
            title = f"{rng.choice(_WORDS).capitalize()}: {title}"
        if 50 <= len(title) <= 110:
            return title


def _abstract(rng: random.Random) -> str:
    target = rng.randint(800, 1900)
    words: list[str] = []
    length = 0
    while length < target - 20:
        word = rng.choice(_TEX) if rng.random() < 0.02 else rng.choice(
            _WORDS if rng.random() < 0.4 else _FILLER)
        if rng.random() < 0.07:
            word += "."
        words.append(word)
        length += len(word) + 1
    return " ".join(words).capitalize().rstrip(".") + "."


@dataclass
class Entry:
    """One paper as the fake arXiv serves it; ``as_feed`` gives the server's dict."""

    arxiv_id: str
    version: int
    title: str
    summary: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    comment: str | None
    published: str
    updated: str

    def as_feed(self) -> dict[str, Any]:
        return {"id": f"{self.arxiv_id}v{self.version}", "title": self.title,
                "summary": self.summary, "updated": self.updated,
                "published": self.published, "comment": self.comment,
                "categories": list(self.categories), "authors": list(self.authors)}

    def as_paper(self, first_seen: str) -> Paper:
        """The paper as the tracker stores it: the ``arxiv`` package collapses whitespace in
        the title and keeps the abstract as sent."""
        return Paper(id=self.arxiv_id, version=self.version,
                     title=re.sub(r"\s+", " ", self.title), authors=self.authors,
                     abstract=self.summary,
                     comment=self.comment, categories=self.categories,
                     primary_category=self.categories[0], published=self.published,
                     updated=self.updated, first_seen=first_seen)


@dataclass
class Corpus:
    """Keywords and their entries on arXiv, growing day by day."""

    seed: int
    rng: random.Random = field(init=False)
    serial: int = 0
    feeds: dict[str, list[Entry]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def _entry(self, moment: datetime) -> Entry:
        rng = self.rng
        self.serial += 1
        stamp = _stamp(moment)
        kept = rng.random() >= 1 / 12
        first = rng.choice(_KEPT if kept else _DROPPED)
        extra = rng.sample(_KEPT if kept else _DROPPED, rng.randint(0, 2))
        categories = tuple(dict.fromkeys([first, *extra]))
        title, summary = _title(rng), _abstract(rng)
        return Entry(
            arxiv_id=f"{moment:%y%m}.{self.serial:05d}",
            version=1,
            title=_wrap(title, rng) if rng.random() < 0.3 else title,
            summary=_wrap(summary, rng) if rng.random() < 0.5 else summary,
            authors=tuple(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
                          for _ in range(rng.randint(2, 6))),
            categories=categories,
            comment=rng.choice(_COMMENTS) if rng.random() < 0.75 else None,
            published=stamp,
            updated=stamp,
        )

    def add_keyword(self, name: str, count: int) -> None:
        """``count`` papers spread over the weeks before day 1, newest first."""
        moment = DAY_ONE - timedelta(hours=4)
        entries = []
        for _ in range(count):
            entries.append(self._entry(moment))
            moment -= timedelta(minutes=self.rng.randint(20, 900))
        self.feeds[name] = entries

    def add_news(self, day: int, new: tuple[int, int], revise: float) -> None:
        """The night before ``day``: ``new`` (low, high) papers per keyword, and with
        probability ``revise`` a new version of one stored paper."""
        night = DAY_ONE + timedelta(days=day - 2, hours=20)
        for entries in self.feeds.values():
            fresh = [self._entry(night + timedelta(minutes=self.rng.randint(0, 300)))
                     for _ in range(self.rng.randint(*new))]
            if self.rng.random() < revise and entries:
                index = self.rng.randrange(min(len(entries), 50))
                old = entries[index]
                moment = night + timedelta(minutes=self.rng.randint(0, 300))
                entries[index] = Entry(old.arxiv_id, old.version + 1, old.title, old.summary,
                                       old.authors, old.categories, old.comment,
                                       old.published, _stamp(moment))
            entries[:0] = fresh

    def served(self, query_of: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        """The fake arXiv's ``feeds``: query -> entries, for the keywords in ``query_of``."""
        return {query_of[name]: [e.as_feed() for e in entries]
                for name, entries in self.feeds.items()}


def keyword_names(count: int, seed: int) -> list[str]:
    """``count`` distinct two- or three-word keywords (unique ignoring case)."""
    rng = random.Random(seed + 1)
    names: dict[str, str] = {}
    while len(names) < count:
        words = rng.sample(_WORDS, rng.choice((2, 2, 3)))
        name = " ".join(w.capitalize() for w in words)
        names.setdefault(name.casefold(), name)
    return list(names.values())


CATEGORIES = ("cs", "stat")
"""The category filter of the generated projects (the tracker's default)."""
PENDING = 3
"""Papers per keyword of a built store not yet announced (as after ``tracker fetch``)."""


def build_store(keywords: int, papers: int, seed: int) -> tuple[list[str], Store]:
    """A store as daily runs leave it: ``papers`` per keyword, all but a few announced."""
    names = keyword_names(keywords, seed)
    corpus = Corpus(seed)
    records = {}
    for name in names:
        corpus.add_keyword(name, papers)
        stored = [entry.as_paper(run_day(1)) for entry in corpus.feeds[name]]
        stored = [paper if i < PENDING else replace(paper, notified_version=paper.version)
                  for i, paper in enumerate(stored)]
        records[name] = KeywordRecord(papers=tuple(stored), query=build_query(name),
                                      categories=CATEGORIES, last_success=run_day(1))
    return names, Store(keywords=records, last_change=run_day(1))
