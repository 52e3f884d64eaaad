"""Throughput of the PII detector (MB/s per core) on a generated mixed-code corpus.

    .venv/bin/python benchmarks/detect_bench.py [--mb 24 | --real 3000] [--workers 2] [--repeats 3]
    .venv/bin/python benchmarks/detect_bench.py --mb 8 --profile            # cProfile, one pass
    .venv/bin/python benchmarks/detect_bench.py --real 3000 --predictions OUT  # spans as JSONL

The corpus is deterministic (seeded) and cached in benchmarks/_corpus/. It mixes
plain code in several languages with a small share of lines carrying PII, roughly
the density of real repositories. Measures `detect()` in one process, then the
`detect` management command with --workers N end to end (JSON I/O included).
"""

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

CORPUS_DIR = ROOT / "benchmarks" / "_corpus"
PLAIN = [
    "def {f}(self, {a}, {b}=None):\n    result = [x * 2 for x in {a} if x > {n}]\n"
    "    return self.{f}_cache.get({b}, result)\n",
    "function {f}({a}, {b}) {{\n  const items = {a}.map((x) => x + {n});\n"
    "  return items.filter(Boolean).join(', ');\n}}\n",
    "public static int {f}(int {a}, String {b}) {{\n    if ({a} > {n}) {{ return {a} - 1; }}\n"
    "    return {b}.length() + {n};\n}}\n",
    "func {f}({a} int, {b} string) (int, error) {{\n\tif {a} < {n} {{\n"
    '\t\treturn 0, fmt.Errorf("bad %d", {a})\n\t}}\n\treturn len({b}), nil\n}}\n',
    "static int {f}(const char *{a}, size_t {b}) {{\n    for (size_t i = 0; i < {b}; i++)"
    " {{ if ({a}[i] == '\\n') return {n}; }}\n    return -1;\n}}\n",
    '  {f}:\n    image: nginx:1.25.{n}\n    ports:\n      - "80{n}:80"\n    replicas: {n}\n',
    "<?php\nfunction {f}(${a}, ${b}) {{\n    return array_map(fn($x) => $x + {n}, ${a});\n}}\n",
    "# {f} handles the {a} case; see the docs for details about {b}.\n"
    "{f}_total = sum({a}) / max(len({b}), {n})  # average\n",
    'version = "{n}.{n}.{n}.{n}"\nsha = "da39a3ee5e6b4b0d3255bfef95601890afd80709"\n',
]
# PII lines with their truth marked as [[CATEGORY|value]]: the markers are taken out of
# the text and become the snippet's gold spans (the generic "app" user in the DSN is not
# PII, see PII-GUIDELINES.md).
PII = [
    'DB_PASSWORD = "[[PASSWORD|Tr0ub4dor&{n}]]"\n',
    "# Copyright (c) 2019 [[NAME|Maria Garcia]] <[[EMAIL|maria.garcia{n}@gmail.com]]>\n",
    'api_key = "[[KEY|sk_live_4eC39HqLyjWDarjtT1zdp{n}]]"\n',
    'server = "[[IP_ADDRESS|10.{n}.20.30]]"  # primary\n',
    "    @author [[USERNAME|jdoe{n}]]\n",
    'url = "postgres://app:[[PASSWORD|S3cret{n}]]@db.internal:5432/app"\n',
    'phone: "[[ID|+1 (415) 555-{n:04d}]]"\n',
    'home = "/home/[[USERNAME|mwilliams{n}]]/src"\n',
]
_TRUTH = re.compile(r"\[\[([A-Z_]+)\|(.*?)\]\]")
WORDS = [
    "value",
    "items",
    "count",
    "index",
    "buffer",
    "config",
    "state",
    "result",
    "token",
    "name",
    "handler",
    "data",
]


def build_corpus(megabytes: int) -> Path:
    """The generated corpus: {id, text, spans} records, spans being the marked truth."""
    path = CORPUS_DIR / f"corpus_{megabytes}mb.jsonl"
    if path.exists() and '"spans"' in path.open(encoding="utf-8").readline():
        return path
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1234)
    target, size, number = megabytes * 1_000_000, 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            text, spans = _snippet(rng)
            out.write(json.dumps({"id": number, "text": text, "spans": spans}) + "\n")
            size += len(text.encode())
            number += 1
    return path


def _snippet(rng: random.Random) -> tuple[str, list[dict]]:
    parts: list[str] = []
    while sum(p.count("\n") for p in parts) < 50:
        template = rng.choice(PII) if rng.random() < 0.05 else rng.choice(PLAIN)
        a, b, f = rng.sample(WORDS, 3)
        parts.append(template.format(a=a, b=b, f=f"{f}_{rng.randint(1, 99)}", n=rng.randint(1, 99)))
    return _unmark("".join(parts))


def _unmark(marked: str) -> tuple[str, list[dict]]:
    text, spans, last = [], [], 0
    length = 0
    for m in _TRUTH.finditer(marked):
        text.append(marked[last : m.start()])
        length += m.start() - last
        value = m.group(2)
        spans.append({"start": length, "end": length + len(value), "category": m.group(1)})
        text.append(value)
        length += len(value)
        last = m.end()
    text.append(marked[last:])
    return "".join(text), spans


def build_real_sample(snippets: int) -> Path:
    """`snippets` random 50-line snippets of the Python standard library and the venv's
    site-packages (every UTF-8 text file under 1 MB), cached: installing a package
    changes site-packages, and comparisons need the same sample before and after."""
    from annotator.catalog.importing import cut_snippets

    path = CORPUS_DIR / f"real_{snippets}.jsonl"
    if path.exists():
        return path
    roots = [Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"]
    roots += [Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    files = sorted({f for root in roots for f in root.rglob("*") if f.is_file()})
    rng = random.Random(4321)
    rng.shuffle(files)
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for file in files:
            if count == snippets:
                break
            text = _text_file(file)
            if text is None:
                continue
            piece = rng.choice(cut_snippets(text))
            out.write(json.dumps({"id": f"{file}:{piece.start_line}", "text": piece.text}) + "\n")
            count += 1
    return path


def _text_file(file: Path) -> str | None:
    try:
        data = file.read_bytes() if file.stat().st_size <= 1_000_000 else b""
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    text = text.replace("\r\n", "\n")
    return text if text.strip() and "\x00" not in text else None


def read_texts(path: Path) -> list[tuple[object, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(r["id"], r["text"]) for r in map(json.loads, handle)]


def save_predictions(path: Path, output: Path) -> None:
    """One pass of `detect()`, written as {id, spans} lines: diff two runs to compare."""
    from annotator.detection import detect

    with output.open("w", encoding="utf-8") as out:
        for record_id, text in read_texts(path):
            spans = [s.as_dict() for s in detect(text)]
            out.write(json.dumps({"id": record_id, "spans": spans}, ensure_ascii=False) + "\n")


def bench_single(path: Path, repeats: int) -> tuple[float, list[tuple[float, float]]]:
    """Size in MB and (wall, CPU) seconds of each pass of `detect()` over the corpus.

    CPU time (`time.process_time`) is this process's own time on one core; wall time
    also counts waiting for a core, which on a shared machine can be much larger.
    """
    from annotator.detection import detect

    texts = [text for _, text in read_texts(path)]
    size = sum(len(t.encode()) for t in texts) / 1e6
    detect(texts[0])  # compile the regexes and load the first-name list outside the timing
    runs = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            detect(text)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return size, runs


def _spread(size: float, seconds: list[float]) -> str:
    rates = sorted(size / s for s in seconds)
    return f"{rates[len(rates) // 2]:.1f} MB/s (min {rates[0]:.1f}, max {rates[-1]:.1f})"


def bench_command(path: Path, workers: int) -> float:
    import django
    from django.core.management import call_command

    django.setup()
    output = CORPUS_DIR / "predictions.jsonl"
    with open(os.devnull, "w") as quiet:
        started = time.perf_counter()
        call_command("detect", input=str(path), output=str(output), workers=workers, stdout=quiet)
    return time.perf_counter() - started


def profile(path: Path) -> None:
    """cProfile of one pass of `detect()`, the 25 functions with the most own time."""
    import cProfile
    import pstats

    from annotator.detection import detect

    texts = [text for _, text in read_texts(path)]
    detect(texts[0])
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [detect(t) for t in texts])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=24)
    parser.add_argument(
        "--real", type=int, metavar="N", help="use N snippets of installed Python code instead"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-command", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile and stop")
    parser.add_argument(
        "--predictions", type=Path, metavar="OUT", help="write detect()'s spans as JSONL and stop"
    )
    args = parser.parse_args()
    path = build_real_sample(args.real) if args.real else build_corpus(args.mb)
    if args.predictions:
        save_predictions(path, args.predictions)
        return
    if args.profile:
        profile(path)
        return
    size, runs = bench_single(path, args.repeats)
    print(f"corpus {path.name}: {size:.1f} MB, {args.repeats} passes of detect() in one process")
    print(f"  CPU time per core: median {_spread(size, [cpu for _, cpu in runs])}")
    print(f"  wall time:         median {_spread(size, [wall for wall, _ in runs])}")
    if args.skip_command:
        return
    elapsed = bench_command(path, args.workers)
    print(
        f"manage.py detect --workers {args.workers}: {elapsed:.1f} s, "
        f"{size / elapsed:.1f} MB/s total, {size / elapsed / args.workers:.1f} MB/s per worker"
    )


if __name__ == "__main__":
    main()
