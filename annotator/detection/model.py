"""A PII tagger trained on crowd labels: a linear-chain CRF over code tokens (CPU only).

Pure: no ORM (services load the labels). The pieces:

- `tokenize(text)`: runs of letters and digits, and every other visible character on its
  own, with character offsets. Span edges in code almost always fall on these boundaries
  (a value stops at a quote, `@`, `:` or a space), so BIO tags over these tokens can
  express the crowd's spans.
- `features(text, tokens, rule_spans)`: what a token looks like (shape, character
  classes, affixes), its neighbours, the name the line assigns to (`db_password =`),
  whether the line is a comment, whether it sits inside a quoted string, and the rule
  detector's label for it. The rules are a feature, not a fallback: the CRF learns where
  to trust them.
- `train(examples)` / `DetectorModel.predict(text)` / `save` / `load`.
- `split_examples` and `score` for the held-out evaluation.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib

from annotator.detection import detect
from annotator.detection.evaluation import Span, evaluate
from annotator.detection.types import REAL, DetectedSpan

FORMAT_VERSION = 1
_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")
_TARGET = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)['\"\]\)]?\s*(?:=|:|=>|,)\s*")
_WORD_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_COMMENT_STARTS = ("#", "//", "/*", "*", ";", "--", "<!--", "%", "rem ")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    line: int  # index of the line in the text


@dataclass(frozen=True)
class Example:
    """A labeled text: `spans` are (start, end, category, context) in text offsets."""

    text: str
    spans: tuple[tuple[int, int, str, str], ...]
    group: str = ""  # examples of one group (a file) stay on one side of a split


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    offset = 0
    for number, line in enumerate(text.split("\n")):
        for match in _TOKEN.finditer(line):
            tokens.append(
                Token(offset + match.start(), offset + match.end(), match.group(), number)
            )
        offset += len(line) + 1
    return tokens


# --- Features ----------------------------------------------------------------------------


def _shape(token: str) -> str:
    shape = re.sub("[A-Z]+", "A", re.sub("[a-z]+", "a", re.sub("[0-9]+", "9", token)))
    return shape[:8]


def _length(token: str) -> str:
    n = len(token)
    return "1" if n == 1 else "2-3" if n < 4 else "4-7" if n < 8 else "8-15" if n < 16 else "16+"


def _describe(token: str) -> dict[str, object]:
    has_alpha = any(c.isalpha() for c in token)
    has_digit = any(c.isdigit() for c in token)
    return {
        "w": token.lower() if len(token) <= 20 else "<long>",
        "shape": _shape(token),
        "len": _length(token),
        "upper": token.isupper(),
        "title": token.istitle(),
        "digit": token.isdigit(),
        "mixed": has_alpha and has_digit,
        "p3": token[:3].lower(),
        "s3": token[-3:].lower(),
    }


@dataclass
class _LineInfo:
    targets: list[str] = field(default_factory=list)  # word parts of the assigned name
    comment: bool = False
    start: int = 0  # offset of the line's first character


def _line_info(text: str) -> list[_LineInfo]:
    infos, offset = [], 0
    for line in text.split("\n"):
        stripped = line.lstrip().lower()
        match = _TARGET.search(line)
        words = [w.lower() for w in _WORD_PART.findall(match.group(1))] if match else []
        infos.append(_LineInfo(words[-3:], stripped.startswith(_COMMENT_STARTS), offset))
        offset += len(line) + 1
    return infos


def _rule_tags(tokens: Sequence[Token], spans: Iterable[DetectedSpan]) -> list[str]:
    return bio_tags(tokens, [(s.start, s.end, s.label) for s in spans])


def features(
    text: str, tokens: Sequence[Token], rule_spans: Iterable[DetectedSpan]
) -> list[dict[str, object]]:
    lines = _line_info(text)
    rules = _rule_tags(tokens, rule_spans)
    described = [_describe(t.text) for t in tokens]
    out = []
    for i, token in enumerate(tokens):
        info = lines[token.line]
        feats: dict[str, object] = {"bias": 1.0, **described[i], "rule": rules[i]}
        feats["comment"] = info.comment
        feats["line_first"] = i == 0 or tokens[i - 1].line != token.line
        feats["in_quote"] = _inside_quote(text, info.start, token.start)
        for word in info.targets:
            feats[f"target:{word}"] = True
        for step in (-2, -1, 1, 2):
            j = i + step
            if 0 <= j < len(tokens) and tokens[j].line == token.line:
                feats[f"{step}:w"] = described[j]["w"]
                feats[f"{step}:rule"] = rules[j]
                if abs(step) == 1:
                    feats[f"{step}:shape"] = described[j]["shape"]
            else:
                feats[f"{step}:w"] = "<eol>"
        feats["glued-"] = i > 0 and tokens[i - 1].end == token.start
        feats["glued+"] = i + 1 < len(tokens) and tokens[i + 1].start == token.end
        out.append(feats)
    return out


def _inside_quote(text: str, line_start: int, position: int) -> bool:
    before = text[line_start:position]
    return (before.count('"') % 2 == 1) or (before.count("'") % 2 == 1)


# --- BIO tags ----------------------------------------------------------------------------


def bio_tags(tokens: Sequence[Token], spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """B-/I-<category> for tokens that start inside a span, O elsewhere."""
    tags = ["O"] * len(tokens)
    starts = [t.start for t in tokens]
    for start, end, category in spans:
        first = bisect.bisect_left(starts, start)
        for i in range(first, len(tokens)):
            if tokens[i].start >= end:
                break
            tags[i] = ("B-" if i == first else "I-") + category
    return tags


def spans_from_tags(tokens: Sequence[Token], tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Inverse of `bio_tags`; an I- that does not continue a span of its kind starts one."""
    spans: list[tuple[int, int, str]] = []
    current: list = []
    for token, tag in zip(tokens, tags, strict=True):
        kind, _, category = tag.partition("-")
        if kind == "O" or (kind == "B") or (current and current[2] != category):
            if current:
                spans.append(tuple(current))
            current = [token.start, token.end, category] if kind != "O" else []
        elif current:
            current[1] = token.end
        else:
            current = [token.start, token.end, category]
    if current:
        spans.append(tuple(current))
    return spans


# --- Training and prediction ---------------------------------------------------------------


@dataclass
class DetectorModel:
    crf: object  # sklearn_crfsuite.CRF
    categories: tuple[str, ...]  # what the model was trained to find
    metrics: dict = field(default_factory=dict)
    version: int = FORMAT_VERSION

    def predict(
        self, text: str, rule_spans: Sequence[DetectedSpan] | None = None
    ) -> list[DetectedSpan]:
        """Spans the model finds, with the context of an overlapping rule span (else real)."""
        tokens = tokenize(text)
        if not tokens:
            return []
        rules = detect(text) if rule_spans is None else rule_spans
        tags = self.crf.predict_single(features(text, tokens, rules))
        return [
            DetectedSpan(start, end, category, _context(rules, start, end, category), 0.9)
            for start, end, category in spans_from_tags(tokens, tags)
        ]


def _context(rules: Sequence[DetectedSpan], start: int, end: int, category: str) -> str:
    for span in rules:
        if span.label == category and span.start < end and start < span.end:
            return span.context
    return REAL


def sequence(example: Example, rules: Sequence[DetectedSpan] | None = None):
    tokens = tokenize(example.text)
    rules = detect(example.text) if rules is None else rules
    x = features(example.text, tokens, rules)
    y = bio_tags(tokens, [(s, e, c) for s, e, c, _ in example.spans])
    return x, y


def train(
    examples: Sequence[Example], *, categories: Sequence[str], max_iterations: int = 100
) -> DetectorModel:
    import sklearn_crfsuite

    xs, ys = [], []
    for example in examples:
        x, y = sequence(example)
        xs.append(x)
        ys.append(y)
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=0.05,
        c2=0.05,
        max_iterations=max_iterations,
        all_possible_transitions=True,
    )
    crf.fit(xs, ys)
    return DetectorModel(crf=crf, categories=tuple(sorted(categories)))


def save(model: DetectorModel, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path


def load(path: Path) -> DetectorModel:
    model = joblib.load(path)
    if not isinstance(model, DetectorModel) or model.version != FORMAT_VERSION:
        raise ValueError(f"{path}: not a detector model of format {FORMAT_VERSION}.")
    return model


# --- Splitting and scoring -------------------------------------------------------------------


def split_examples(
    examples: Sequence[Example], *, test_share: float = 0.25, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """(train, held-out), whole groups on one side, the same split for the same input."""
    groups = sorted(
        {e.group for e in examples}, key=lambda g: hashlib.sha256(g.encode()).hexdigest()
    )
    random.Random(seed).shuffle(groups)
    held = set(groups[: max(1, round(len(groups) * test_share))]) if len(groups) > 1 else set()
    train_set = [e for e in examples if e.group not in held]
    return train_set, [e for e in examples if e.group in held]


Predictor = Callable[[str], Sequence[DetectedSpan]]


def score(examples: Sequence[Example], predict: Predictor, categories: Iterable[str]) -> dict:
    """Exact and overlap P/R/F1 per category, predictions limited to `categories`
    (a project labels at most four: finding the others is not an error on its labels)."""
    keep = set(categories)
    pairs = []
    for example in examples:
        gold = [Span(s, e, c) for s, e, c, _ in example.spans if c in keep]
        predicted = [
            Span(p.start, p.end, p.label) for p in predict(example.text) if p.label in keep
        ]
        pairs.append((gold, predicted))
    results = evaluate(pairs)
    return {mode: {c: s.as_dict() for c, s in rows.items()} for mode, rows in results.items()}
