"""Throughput of the PII detector (MB/s per core) on a generated mixed-code corpus.

    .venv/bin/python benchmarks/detect_bench.py [--mb 24] [--workers 2] [--repeats 3]

The corpus is deterministic (seeded) and cached in benchmarks/_corpus/. It mixes
plain code in several languages with a small share of lines carrying PII, roughly
the density of real repositories. Measures `detect()` in one process, then the
`detect` management command with --workers N end to end (JSON I/O included).
"""

import argparse
import json
import os
import random
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
PII = [
    'DB_PASSWORD = "Tr0ub4dor&{n}"\n',
    "# Copyright (c) 2019 Maria Garcia <maria.garcia{n}@gmail.com>\n",
    'api_key = "sk_live_4eC39HqLyjWDarjtT1zdp{n}"\n',
    'server = "10.{n}.20.30"  # primary\n',
    "    @author jdoe{n}\n",
    'url = "postgres://app:S3cret{n}@db.internal:5432/app"\n',
    'phone: "+1 (415) 555-{n:04d}"\n',
    'home = "/home/mwilliams{n}/src"\n',
]
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
    path = CORPUS_DIR / f"corpus_{megabytes}mb.jsonl"
    if path.exists():
        return path
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1234)
    target, size, number = megabytes * 1_000_000, 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            text = _snippet(rng)
            out.write(json.dumps({"id": number, "text": text}) + "\n")
            size += len(text.encode())
            number += 1
    return path


def _snippet(rng: random.Random) -> str:
    parts = []
    while sum(p.count("\n") for p in parts) < 50:
        template = rng.choice(PII) if rng.random() < 0.05 else rng.choice(PLAIN)
        a, b, f = rng.sample(WORDS, 3)
        parts.append(template.format(a=a, b=b, f=f"{f}_{rng.randint(1, 99)}", n=rng.randint(1, 99)))
    return "".join(parts)


def bench_single(path: Path, repeats: int) -> tuple[float, list[tuple[float, float]]]:
    """Size in MB and (wall, CPU) seconds of each pass of `detect()` over the corpus.

    CPU time (`time.process_time`) is this process's own time on one core; wall time
    also counts waiting for a core, which on a shared machine can be much larger.
    """
    from annotator.detection import detect

    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-command", action="store_true")
    args = parser.parse_args()
    path = build_corpus(args.mb)
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
