"""Import throughput: a ~200 MB JSONL corpus of synthetic code into PostgreSQL.

Not a test. Run from the repository root:

    .venv/bin/python benchmarks/import_bench.py                 # 200 MB
    .venv/bin/python benchmarks/import_bench.py --mb 20 --profile

The corpus is generated deterministically into benchmarks/_corpus/ (gitignored) and
reused. The script (re)creates its own database, `annotator_bench` by default, on the
server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432), migrates it, and
times `dataset_import` end to end: reading, decoding, checks, hashing, cutting, COPY and
commit. It prints MB/s (corpus bytes / seconds) and snippets/s.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "benchmarks" / "_corpus"
SEED = 20240501

WORDS = [
    "user",
    "account",
    "token",
    "session",
    "config",
    "client",
    "server",
    "request",
    "response",
    "handler",
    "cache",
    "record",
    "value",
    "index",
    "buffer",
    "stream",
    "parser",
    "result",
    "error",
    "message",
    "payload",
    "batch",
    "queue",
    "customer",
    "invoice",
    "address",
    "email",
    "phone",
    "secret",
    "password",
    "host",
    "port",
    "path",
    "name",
    "id",
]
NON_ASCII = ["é", "ü", "ß", "漢字", "ñ", "ø", "—", "✓"]


def _ident(rng: random.Random) -> str:
    return "_".join(rng.choices(WORDS, k=rng.randint(1, 3)))


def _line_pool(rng: random.Random, language: str, size: int = 3000) -> list[str]:
    """Plausible lines of one language, with identifiers, literals and comments."""
    makers = {
        "py": lambda: rng.choice([
            f"{_ident(rng)} = {rng.randint(0, 10**6)}",
            f"    return self.{_ident(rng)}({_ident(rng)}, {_ident(rng)}={rng.random():.3f})",
            f"def {_ident(rng)}({_ident(rng)}, {_ident(rng)}):",
            f"    # {' '.join(rng.choices(WORDS, k=8))} {rng.choice(NON_ASCII)}",
            f"    {_ident(rng)} = \"{' '.join(rng.choices(WORDS, k=5))}\"",
            "",
        ]),
        "js": lambda: rng.choice([
            f"const {_ident(rng)} = await fetch(`/api/{_ident(rng)}/${{id}}`);",
            f"  if ({_ident(rng)} !== null) {{ {_ident(rng)}.push({rng.randint(0, 999)}); }}",
            f"function {_ident(rng)}({_ident(rng)}) {{",
            f"  // {' '.join(rng.choices(WORDS, k=7))}",
            "}",
        ]),
        "java": lambda: rng.choice([
            f"    private final String {_ident(rng)} = \"{_ident(rng)}@example.test\";",
            f"    public int {_ident(rng)}(int {_ident(rng)}) {{ return {rng.randint(0, 99)}; }}",
            f"        {_ident(rng)}.put(\"{_ident(rng)}\", {rng.randint(0, 10**5)}L);",
            f"    /* {' '.join(rng.choices(WORDS, k=9))} */",
            "    }",
        ]),
        "go": lambda: rng.choice([
            f"\t{_ident(rng)} := {_ident(rng)}.Get(ctx, \"{_ident(rng)}\")",
            f"\tif err != nil {{ return nil, fmt.Errorf(\"{_ident(rng)}: %w\", err) }}",
            f"func {_ident(rng).title()}(ctx context.Context) error {{",
            f"\t// {' '.join(rng.choices(WORDS, k=6))}",
            "}",
        ]),
    }  # fmt: skip
    make = makers[language]
    return [make() for _ in range(size)]


def generate_corpus(path: Path, megabytes: int) -> None:
    rng = random.Random(SEED)
    pools = {lang: _line_pool(rng, lang) for lang in ("py", "js", "java", "go")}
    target, written, n = megabytes * 1_000_000, 0, 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as out:
        while written < target:
            lang = rng.choice(list(pools))
            lines = rng.choices(pools[lang], k=int(rng.lognormvariate(4.8, 0.8)) + 5)
            lines.insert(0, f"// file {n} of the benchmark corpus")  # keeps files distinct
            ending = "\r\n" if n % 10 == 0 else "\n"
            record = {
                "content": ending.join(lines) + ending,
                "max_stars_repo_path": f"repo{n % 997}/src/{_ident(rng)}_{n}.{lang}",
                "max_stars_repo_name": f"org{n % 97}/repo{n % 997}",
                "max_stars_repo_licenses": ["MIT"],
            }
            line = json.dumps(record, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    tmp.rename(path)


def recreate_database(server_url: str, name: str) -> str:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def run_import(corpus: Path, profile: bool) -> tuple[dict, float]:
    import django
    from django.core.management import call_command

    django.setup()
    from annotator.accounts.models import User
    from annotator.catalog import importing, services

    call_command("migrate", verbosity=0)
    owner = User.objects.create(username="bench", role=User.Role.REQUESTER)
    dataset = services.dataset_create(owner=owner, name="bench")
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    summary = services.dataset_import(
        dataset=dataset, records=importing.iter_records(corpus, services.import_limits())
    )
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    return summary.as_dict(), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="corpus size in MB")
    parser.add_argument("--database", default="annotator_bench")
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    args = parser.parse_args()

    corpus = CORPUS_DIR / f"synthetic-{args.mb}mb.jsonl"
    if not corpus.exists():
        print(f"generating {corpus.relative_to(ROOT)} ...", file=sys.stderr)
        generate_corpus(corpus, args.mb)
    size = corpus.stat().st_size

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    server = server.rsplit("/", 1)[0] if server.count("/") > 2 else server
    os.environ["DATABASE_URL"] = recreate_database(server, args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    sys.path.insert(0, str(ROOT))

    summary, seconds = run_import(corpus, args.profile)
    print(json.dumps(summary))
    print(
        f"corpus {size / 1e6:.1f} MB, {summary['files_imported']} files, "
        f"{summary['snippets_created']} snippets in {seconds:.1f} s: "
        f"{size / 1e6 / seconds:.1f} MB/s, {summary['snippets_created'] / seconds:,.0f} snippets/s"
    )


if __name__ == "__main__":
    main()
