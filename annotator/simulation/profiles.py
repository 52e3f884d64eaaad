"""How each kind of simulated annotator answers a snippet (pure and seeded).

A profile sees the snippet text and the snippet's hidden truth (the PII spans and the
look-alike decoys the synthetic generator recorded) and turns them into an answer with
its own habits: missing spans, marking decoys, moving boundaries, random or empty answers,
answering too fast. Every random choice goes through the `rng` passed in, so a seeded
run is repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from annotator.core import taxonomy
from annotator.quality.spans import LabeledSpan

REAL = str(taxonomy.Context.REAL)

# The category an over-labeler gives each kind of look-alike (synthetic.DECOY_KINDS).
DECOY_GUESS = {
    "version": "IP_ADDRESS",
    "hash": "KEY",
    "uuid": "ID",
    "loopback": "IP_ADDRESS",
    "doc_tag": "USERNAME",
    "template": "PASSWORD",
    "placeholder_key": "KEY",
    "algorithm_id": "EMAIL",
    "system_account": "USERNAME",
}


@dataclass(frozen=True)
class DecoySpan:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class SnippetTruth:
    """What the driver knows of a snippet: its PII (project categories only) and decoys."""

    text: str
    spans: tuple[LabeledSpan, ...]
    decoys: tuple[DecoySpan, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    miss: float = 0.0  # chance to leave out each true span
    decoy: float = 0.0  # chance to mark each look-alike (with a plausible category)
    jitter: int = 0  # each boundary moves by up to this many characters
    empty: float = 0.0  # chance to answer "no PII" whatever the snippet holds
    random: float = 0.0  # chance to answer with random spans
    first_only: bool = False  # marks at most the first true span it noticed
    seconds: tuple[float, float] = (20.0, 60.0)  # nominal time per task, uniform


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("accurate", miss=0.03, seconds=(25, 60)),
        Profile("careless", miss=0.45, seconds=(10, 25)),
        Profile("over_labeler", miss=0.1, decoy=0.8, seconds=(30, 60)),
        Profile("boundary_sloppy", miss=0.05, jitter=3, seconds=(20, 45)),
        Profile("spammer", empty=0.5, random=0.5, seconds=(3, 8)),
        Profile("fast_clicker", empty=0.85, first_only=True, seconds=(0.5, 2)),
    )
}

# Named crowds: profile -> how many annotators of it.
MIXES: dict[str, dict[str, int]] = {
    "good": {"accurate": 6, "careless": 1, "boundary_sloppy": 1},
    "mixed": {
        "accurate": 3,
        "careless": 1,
        "over_labeler": 1,
        "boundary_sloppy": 1,
        "spammer": 1,
        "fast_clicker": 1,
    },
    "spammy": {
        "accurate": 2,
        "careless": 1,
        "over_labeler": 1,
        "boundary_sloppy": 1,
        "spammer": 2,
        "fast_clicker": 1,
    },
}


@dataclass(frozen=True)
class SimAnswer:
    spans: tuple[LabeledSpan, ...]
    no_pii: bool
    time_spent_ms: int


def crowd_parse(spec: str) -> list[str]:
    """A mix name ("mixed") or counts ("accurate=3,spammer=1") -> profile names, in order."""
    counts = MIXES.get(spec)
    if counts is None:
        counts = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, _, number = part.partition("=")
            if name not in PROFILES or not number.isdigit():
                raise ValueError(
                    f"Bad crowd part {part!r}: use a mix ({', '.join(MIXES)}) or "
                    f"profile=count with profiles {', '.join(PROFILES)}."
                )
            counts[name] = counts.get(name, 0) + int(number)
    crowd = [name for name, n in counts.items() for _ in range(n)]
    if not crowd:
        raise ValueError("The crowd is empty.")
    return crowd


def answer(
    profile: Profile, truth: SnippetTruth, categories: Sequence[str], rng: random.Random
) -> SimAnswer:
    """The profile's answer on a snippet: valid spans (in bounds, not overlapping) or no PII."""
    seconds = rng.uniform(*profile.seconds)
    roll = rng.random()
    if roll < profile.empty:
        spans: list[LabeledSpan] = []
    elif roll < profile.empty + profile.random:
        spans = _random_spans(truth.text, categories, rng)
    else:
        spans = [
            _moved(s, profile.jitter, rng) for s in truth.spans if rng.random() >= profile.miss
        ]
        if profile.first_only:
            spans = spans[:1]
        spans += _decoys_marked(truth.decoys, profile.decoy, categories, rng)
    tidy = tidy_spans(spans, len(truth.text))
    return SimAnswer(spans=tuple(tidy), no_pii=not tidy, time_spent_ms=int(seconds * 1000))


def _moved(span: LabeledSpan, jitter: int, rng: random.Random) -> LabeledSpan:
    if not jitter:
        return span
    start = span.start + rng.randint(-jitter, jitter)
    end = span.end + rng.randint(-jitter, jitter)
    if start == span.start and end == span.end:  # "off by a few": always off somewhere
        end += rng.choice((-1, 1)) * rng.randint(1, jitter)
    return LabeledSpan(max(0, start), max(start + 1, end), span.category, span.context)


def _decoys_marked(
    decoys: Sequence[DecoySpan], chance: float, categories: Sequence[str], rng: random.Random
) -> list[LabeledSpan]:
    marked = []
    for decoy in decoys:
        guess = DECOY_GUESS.get(decoy.kind, "")
        if guess not in categories:  # a look-alike of nothing this project labels
            guess, chance_here = rng.choice(list(categories)), chance / 4
        else:
            chance_here = chance
        if chance and rng.random() < chance_here:
            marked.append(LabeledSpan(decoy.start, decoy.end, guess))
    return marked


def _random_spans(text: str, categories: Sequence[str], rng: random.Random) -> list[LabeledSpan]:
    if len(text) < 2:
        return []
    spans = []
    for _ in range(rng.randint(1, 3)):
        start = rng.randrange(len(text) - 1)
        end = min(len(text), start + rng.randint(3, 20))
        spans.append(LabeledSpan(start, end, rng.choice(list(categories))))
    return spans


def tidy_spans(spans: Sequence[LabeledSpan], length: int) -> list[LabeledSpan]:
    """Clip to the snippet, drop empty ones, keep the first of overlapping ones, fix contexts.

    The server refuses overlapping or out-of-bounds spans, so a simulated answer is tidied
    the way a person's labeling page would have stopped them.
    """
    kept: list[LabeledSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = max(0, span.start), min(length, span.end)
        if start >= end or (kept and start < kept[-1].end):
            continue
        context = span.context if taxonomy.has_context(span.category) else REAL
        kept.append(LabeledSpan(start, end, span.category, context))
    return kept
