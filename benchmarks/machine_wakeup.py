"""How much slower a process runs right after it sat idle, on this machine.

    .venv/bin/python benchmarks/machine_wakeup.py [--gaps 0,1,5,20] [--rounds 3]

Not about the app: about the machine the benchmarks run on. After each idle gap it
times a fixed piece of Python work (JSON and a sort, ~15 ms when warm) and 20 `SELECT 1`
round trips to PostgreSQL, twice in a row: the first run pays whatever the idle cost
(caches, the virtual CPU being woken), the second shows the warm figure. `load.py
--think` runs annotators who pause between taking and submitting a task, so their
submits meet this cost; its figures are read with this one.
"""

import argparse
import json
import os
import statistics
import time

import psycopg

ROWS = [{"n": i, "text": str(i)} for i in range(60_000)]


def python_work() -> float:
    began = time.perf_counter()
    json.dumps(ROWS[:20_000])
    sorted(ROWS, key=lambda row: row["text"])
    return (time.perf_counter() - began) * 1000


def database_work(conn: psycopg.Connection) -> float:
    began = time.perf_counter()
    for _ in range(20):
        conn.execute("SELECT 1").fetchone()
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaps", default="0,1,5,20", help="Idle seconds before each round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--db", default=os.environ.get("WAKEUP_DB", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    gaps = [float(g) for g in args.gaps.split(",")]
    with psycopg.connect(args.db, autocommit=True) as conn:
        python_work(), database_work(conn)  # imports, first connection
        print("idle s   python ms: first / warm   20 x SELECT 1 ms: first / warm")
        for gap in gaps:
            first_py, warm_py, first_db, warm_db = [], [], [], []
            for _ in range(args.rounds):
                time.sleep(gap)
                first_db.append(database_work(conn))
                first_py.append(python_work())
                warm_db.append(database_work(conn))
                warm_py.append(python_work())
            med = statistics.median
            print(
                f"{gap:>6g} {med(first_py):>13.1f} / {med(warm_py):<9.1f}"
                f" {med(first_db):>20.2f} / {med(warm_db):<9.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
