"""CPU cost of one `next` + `submit` pair through the REST API, in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotator REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python benchmarks/api_pair_bench.py [--pairs 600] [--profile]

`benchmarks/load.py` measures the server under concurrent clients, so its figures move
with whatever else the machine runs. This one isolates the server's own work: annotators
take turns through Django's test client with their API token (the whole middleware,
authentication, throttling, view, ORM and serializer stack; no network, no client
process), looping `POST next` -> `POST submit` ("no PII", at a human's pace as far as the
quality rules can tell). It prints the process CPU time and the wall time per pair, and
the SQL statements per request, counted in a short pass after the timed one (capturing
them makes Django format each statement, which would add ~1 ms to every pair); `--profile`
adds a cProfile table grouped by package.

PostgreSQL's CPU is read from /proc for the connection's backend process (needs the
server on this machine, readable by this user).
It creates its own database (`api_pair_bench_<name>`) and drops it at the end.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _django import setup_django, throwaway_database  # noqa: E402


def package_of(filename: str) -> str:
    """The top-level package a profiled function lives in, for the grouped table."""
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1].split("/", 1)[0]
    if "/annotator/" in filename:
        return "annotator." + filename.split("/annotator/", 1)[1].split("/", 1)[0]
    if filename.startswith("<") or "python3" in filename:
        return "python (stdlib, builtins)"
    return filename


def print_grouped(profile: cProfile.Profile, pairs: int) -> None:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    own = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        own[package_of(filename)] += tottime
    total = sum(own.values())
    print(f"\n{'package (own time)':<32} {'ms/pair':>8} {'share':>6}")
    for name, seconds in sorted(own.items(), key=lambda item: -item[1])[:15]:
        print(f"{name:<32} {seconds * 1000 / pairs:>8.2f} {seconds / total:>6.0%}")


def backend_cpu_seconds() -> float:
    """CPU time so far of the PostgreSQL backend serving Django's connection."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STATEMENT_PAIRS = 20  # pairs run after the timed ones, with their SQL statements counted


def run(pairs: int, profile: cProfile.Profile | None) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from load import seed

    args = argparse.Namespace(files=max(60, pairs // 5))
    ids = seed(args, levels=(8,))
    project = ids["projects"][8]
    clients = [Client(HTTP_AUTHORIZATION=f"Token {key}") for key in ids["tokens"]]
    wall, cpu, statements = [], [], {"next": [], "submit": []}
    next_url = f"/api/v1/projects/{project}/assignments/next"

    def post(client: Client, url: str, counts: list[int] | None, **extra) -> dict:
        if counts is None:
            reply = client.post(url, **extra)
        else:
            with CaptureQueriesContext(connection) as queries:
                reply = client.post(url, **extra)
            counts.append(len(queries))
        if reply.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {reply.status_code} {reply.content[:200]!r}")
        return reply.json()

    def pair(client: Client, count: bool = False) -> None:
        assignment = post(client, next_url, statements["next"] if count else None)
        url = f"/api/v1/assignments/{assignment['id']}/submit"
        body = {"no_pii": True, "time_spent_ms": 20_000}
        counts = statements["submit"] if count else None
        post(client, url, counts, data=body, content_type="application/json")

    for client in clients:  # warm-up: imports, the first connection, template loading
        pair(client)
    backend_began = backend_cpu_seconds()
    for n in range(pairs):
        client = clients[n % len(clients)]
        began_wall, began_cpu = time.perf_counter(), time.process_time()
        if profile is not None:
            profile.enable()
        pair(client)
        if profile is not None:
            profile.disable()
        cpu.append((time.process_time() - began_cpu) * 1000)
        wall.append((time.perf_counter() - began_wall) * 1000)
    backend = (backend_cpu_seconds() - backend_began) * 1000 / pairs
    # Statements are counted in a pass of their own: capturing makes Django format every
    # statement for its log, work production does not do, so the timed pairs go without.
    for n in range(STATEMENT_PAIRS):
        pair(clients[n % len(clients)], count=True)
    return {"wall": wall, "cpu": cpu, "backend": backend, "statements": statements}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--profile", action="store_true", help="cProfile, grouped by package")
    args = parser.parse_args()
    setup_django()
    profile = cProfile.Profile() if args.profile else None
    with throwaway_database("api_pair_bench"):
        result = run(args.pairs, profile)
    cpu, wall = result["cpu"], result["wall"]
    print(f"pairs: {len(cpu)}")
    for name, values in (("CPU", cpu), ("wall", wall)):
        median, mean = statistics.median(values), statistics.fmean(values)
        print(f"{name} ms per pair: median {median:.2f}, mean {mean:.2f}")
    print(f"PostgreSQL backend CPU ms per pair: mean {result['backend']:.2f}")
    for kind, counts in result["statements"].items():
        print(f"SQL statements per {kind}: median {statistics.median(counts):.0f}")
    if profile is not None:
        print_grouped(profile, len(cpu))


if __name__ == "__main__":
    main()
