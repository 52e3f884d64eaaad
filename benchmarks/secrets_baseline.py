"""Our detector against detect-secrets as BigCode's PII pipeline ran it: KEY and PASSWORD
precision/recall where the truth is known, and throughput on the same snippets.

    .venv/bin/python benchmarks/secrets_baseline.py [--mb 8] [--synthetic 400] [--plugins bigcode]

BigCode's pipeline (bigcode-dataset/pii, not on PyPI) finds keys with detect-secrets; this
is that part only, not their whole pipeline (their e-mail and IP regexes are left out).
`--plugins bigcode` is their configuration (pii/utils/keys_detection.py): the plugins of
detect-secrets' default set at the time minus BasicAuthDetector, KeywordDetector and
PrivateKeyDetector (too noisy for them), their four heuristic filters, and every hit
labelled KEY, so it finds no PASSWORD by design. On top of detect-secrets they drop values
that look like hashes (a 32/40/64-character value on a line naming sha/md5/hash/byte, or
every value of a text where "sha" or "hash" occurs on more than 2 % of the lines) and
values their gibberish detector calls words; the hash rules are reproduced here, the
gibberish detector is not (its model is trained on a corpus not available here), so this
baseline keeps a few more values than theirs did. `--plugins default` runs detect-secrets
1.5 as shipped (all plugins, default filters), Basic Auth and keyword hits on a password-
named line labelled PASSWORD, other hits KEY, public IPs left out: its best showing.

Each snippet's lines go through detect-secrets' own per-line scan (the loop `scan_file`
runs), without the temporary file BigCode wrote per snippet, which would only add time.
Every occurrence of a reported value in the snippet becomes a span, as BigCode did.
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

from detect_bench import build_corpus  # noqa: E402  (after the path set-up above)

BIGCODE_PLUGINS = [
    "ArtifactoryDetector", "AWSKeyDetector", "Base64HighEntropyString", "HexHighEntropyString",
    "AzureStorageKeyDetector", "CloudantDetector", "DiscordBotTokenDetector",
    "GitHubTokenDetector", "IbmCloudIamDetector", "IbmCosHmacDetector", "JwtTokenDetector",
    "MailchimpDetector", "NpmDetector", "SendGridDetector", "SlackDetector",
    "SoftlayerDetector", "StripeDetector", "TwilioKeyDetector",
]  # fmt: skip
BIGCODE_FILTERS = [
    "detect_secrets.filters.heuristic.is_potential_uuid",
    "detect_secrets.filters.heuristic.is_likely_id_string",
    "detect_secrets.filters.heuristic.is_templated_secret",
    "detect_secrets.filters.heuristic.is_sequential_string",
]
_PASSWORD_HINTS = ("pass", "pwd")
_HASH_WORDS = ("sha", "md5", "hash", "byte")
CATEGORIES = ("KEY", "PASSWORD")
Span = tuple[int, int, str]


def settings(plugins: str) -> dict:
    """The detect-secrets configuration for `transient_settings`."""
    if plugins == "bigcode":
        return {
            "plugins_used": [{"name": name} for name in BIGCODE_PLUGINS],
            "filters_used": [{"path": path} for path in BIGCODE_FILTERS],
        }
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    names = sorted(cls.__name__ for cls in get_mapping_from_secret_type_to_class().values())
    return {"plugins_used": [{"name": name} for name in names]}  # default filters stay


def secrets_scanner(plugins: str) -> Callable[[str], list[Span]]:
    """A function from a snippet to its (start, end, category) spans; call inside
    `transient_settings(settings(plugins))`."""
    from detect_secrets.core.scan import _process_line_based_plugins

    def scan(text: str) -> list[Span]:
        lines = text.splitlines()
        found = _process_line_based_plugins(list(enumerate(lines, start=1)), "snippet.txt")
        spans: set[Span] = set()
        for secret in found:
            value, line = secret.secret_value, lines[secret.line_number - 1]
            category = _category(secret.type, line)
            if (
                value
                and category
                and not (plugins == "bigcode" and _bigcode_hash(text, value, line))
            ):
                spans.update(
                    (start, start + len(value), category) for start in _occurrences(text, value)
                )
        return sorted(spans)

    return scan


def _category(secret_type: str, line: str) -> str | None:
    if secret_type == "Public IP (ipv4)":
        return None  # an address, not a credential
    if secret_type == "Basic Auth Credentials":
        return "PASSWORD"
    if secret_type == "Secret Keyword" and any(h in line.lower() for h in _PASSWORD_HINTS):
        return "PASSWORD"
    return "KEY"


def _bigcode_hash(text: str, value: str, line: str) -> bool:
    """BigCode's two hash rules (written anew here, same thresholds)."""
    if len(value) in (32, 40, 64) and any(word in line.lower() for word in _HASH_WORDS):
        return True
    threshold = int(0.02 * text.count("\n"))
    lowered = text.lower()
    return lowered.count("sha") > threshold or lowered.count("hash") > threshold


def _occurrences(text: str, value: str) -> Iterator[int]:
    start = text.find(value)
    while start != -1:
        yield start
        start = text.find(value, start + len(value))


def ours(text: str) -> list[Span]:
    from annotator.detection import detect

    return [(s.start, s.end, s.label) for s in detect(text) if s.label in CATEGORIES]


def synthetic_records(files: int) -> list[dict]:
    """50-line snippets of the demo's synthetic files with their truth (KEY/PASSWORD)."""
    from annotator.catalog.importing import cut_snippets
    from annotator.demo import synthetic

    records = []
    for file in synthetic.generate_files(files, seed=20261125):
        for piece in cut_snippets(file.content):
            end = piece.start_offset + len(piece.text)
            spans = synthetic.spans_in_window(file.spans, start=piece.start_offset, end=end)
            gold = [
                {"start": s.start, "end": s.end, "category": s.category}
                for s in spans
                if s.category in CATEGORIES
            ]
            records.append({"text": piece.text, "spans": gold})
    return records


def run(records: list[dict], detector: Callable[[str], list[Span]]) -> tuple[float, dict]:
    """CPU seconds of `detector` over every text, and its scores against the truth."""
    from annotator.detection.evaluation import Span as Gold
    from annotator.detection.evaluation import evaluate, spans_from_record

    started = time.process_time()
    predicted = [detector(r["text"]) for r in records]
    seconds = time.process_time() - started
    pairs = [
        (spans_from_record(r), [Gold(*span) for span in spans])
        for r, spans in zip(records, predicted, strict=True)
    ]
    return seconds, evaluate(pairs)


def report(name: str, megabytes: float, seconds: float, scores: dict) -> None:
    print(f"  {name:<34} {megabytes / seconds:6.2f} MB/s CPU")
    for mode in ("exact", "overlap"):
        for category in CATEGORIES:
            s = scores[mode].get(category)
            if s is None:
                continue
            print(
                f"    {mode:<7} {category:<8} P {s.precision:5.3f}  R {s.recall:5.3f}  "
                f"F1 {s.f1:5.3f}  (tp {s.true_positives}, predicted {s.predicted}, gold {s.gold})"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=8, help="the generated benchmark corpus")
    parser.add_argument("--synthetic", type=int, default=400, help="synthetic files (0: none)")
    parser.add_argument("--plugins", choices=("bigcode", "default"), nargs="+")
    args = parser.parse_args()
    import django

    django.setup()
    from detect_secrets.settings import transient_settings

    corpora = [("benchmark corpus", [json.loads(line) for line in build_corpus(args.mb).open()])]
    if args.synthetic:
        corpora.append(
            (f"synthetic demo files ({args.synthetic})", synthetic_records(args.synthetic))
        )
    ours(corpora[0][1][0]["text"])  # compile and load outside the timing
    for title, records in corpora:
        megabytes = sum(len(r["text"].encode()) for r in records) / 1e6
        print(f"{title}: {len(records)} snippets, {megabytes:.1f} MB")
        report("our detector", megabytes, *run(records, ours))
        for plugins in args.plugins or ["bigcode", "default"]:
            with transient_settings(settings(plugins)):
                name = f"detect-secrets ({plugins})"
                report(name, megabytes, *run(records, secrets_scanner(plugins)))


if __name__ == "__main__":
    main()
