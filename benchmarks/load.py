"""Load: K concurrent annotators looping next task -> submit against gunicorn + PostgreSQL
+ Redis + a Celery worker, all on 127.0.0.1.

Not a test. Run from the repository root:

    .venv/bin/python benchmarks/load.py                      # K = 1, 10, 50, 200
    .venv/bin/python benchmarks/load.py --levels 50 --seconds 10 --py-spy /tmp/prof

It (re)creates its own database (`annotator_load` on the server of DATABASE_URL, default
postgres://postgres@127.0.0.1:5432), migrates it and seeds one requester, a synthetic
dataset, one project per level (overlap 3, 10 % control tasks whose gold is "no PII") and
200 consented annotators with API tokens. Then it starts gunicorn (gthread workers, bound
to 127.0.0.1) and one Celery worker on REDIS_URL (default db 13), and for each level K
runs K client threads (spread over client processes), each with its own keep-alive
connection, looping `POST next` -> `POST submit` ("no PII", which is also right on the
control tasks), bounded by --seconds and --max-submissions per level. With --think S,
each annotator reads each task for about S seconds before submitting it, as a person
would; without it they loop flat out, which measures the server at saturation.

It prints next-task and submit latency p50/p95/p99, throughput and errors per level, then
checks the database: no task over its overlap, no annotator with a task twice, no lost
or duplicated submission (every acknowledged submit is stored once, paid once, and
counted once in its task). Every process it starts is stopped by its id at the end, and
the database is dropped unless --keep-db. The seeded tables are analyzed first, as
autovacuum would do on a server where it runs (--no-analyze leaves them without statistics).
"""

import argparse
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
LEVELS = (1, 10, 50, 200)
PROJECT_OVERLAP = 3
CONTROL_RATE = 0.1
THREADS_PER_CLIENT_PROCESS = 50


# --- setup --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{args.db_server}/{args.db_name}",
        REDIS_URL=args.redis_url,
        DEBUG="0",
        SECRET_KEY="load-benchmark-only",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_MANIFEST="0",
        LOG_LEVEL="WARNING",
        # Limits meant for people would throttle a benchmark client.
        API_THROTTLE_USER="100000000/minute",
        API_THROTTLE_AUTH="100000/minute",
        CACHE_KEY_PREFIX="annotator-load",
    )
    return env


def seed(args, levels) -> dict:
    """Seed through the services (setup speed, not what is measured); returns ids."""
    import django

    django.setup()
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from annotator.accounts.models import User
    from annotator.catalog.importing import FileRecord
    from annotator.catalog.models import Snippet
    from annotator.catalog.services import dataset_create, dataset_import
    from annotator.demo import synthetic
    from annotator.projects.services import (
        control_task_set,
        project_add_tasks,
        project_create,
        project_set_status,
    )

    requester = User.objects.create(username="load-requester", role=User.Role.REQUESTER)
    dataset = dataset_create(owner=requester, name="load")
    files = synthetic.generate_files(args.files, seed=20261125)
    dataset_import(
        dataset=dataset,
        records=[FileRecord(path=f.path, data=f.content, language=f.language) for f in files],
    )
    snippets = list(Snippet.objects.filter(dataset=dataset).order_by("pk"))
    projects = {}
    for k in levels:
        project = project_create(
            owner=requester, dataset=dataset, name=f"load K={k}", categories=["NAME"],
            overlap=PROJECT_OVERLAP, control_rate=CONTROL_RATE, reward_cents=1,
        )  # fmt: skip
        project_add_tasks(project=project)
        for snippet in snippets[:: int(1 / CONTROL_RATE)]:
            control_task_set(project=project, snippet=snippet, gold=[])
        projects[k] = project_set_status(project=project, status="active").pk
    now = timezone.now()
    users = User.objects.bulk_create(
        User(username=f"load-{n:03d}", role=User.Role.ANNOTATOR, consented_at=now)
        for n in range(max(levels))
    )
    tokens = Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
    # Statistics, as autovacuum would have gathered before annotators arrive (this
    # machine's PostgreSQL runs with autovacuum off; unless --no-analyze).
    if not args.no_analyze:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"projects": projects, "tokens": [t.key for t in tokens], "tasks": len(snippets)}


def start_servers(args, env, port) -> list[subprocess.Popen]:
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "annotator.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-k", "gthread", "-w", str(args.workers), "--threads", str(args.threads),
         "--keep-alive", "30", "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    started = [gunicorn]
    if not args.no_celery:
        started.append(
            subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "annotator",
                    "worker",
                    "-c",
                    "1",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
            )
        )
    if warm_up(port, args.workers):
        return started
    stop(started)
    raise SystemExit("gunicorn did not start")


def warm_up(port: int, workers: int) -> bool:
    """True once every worker answered: the port opens before the workers import the app."""
    from annotator.simulation.client import ApiClient

    deadline = time.monotonic() + 90
    fast = 0
    while time.monotonic() < deadline:
        api = ApiClient(f"http://127.0.0.1:{port}")
        try:
            reply = api.get("/healthz")
            fast = fast + 1 if reply.status == 200 and reply.seconds < 0.1 else 0
        except OSError:
            time.sleep(0.3)
        finally:
            api.close()
        if fast >= 10 * workers:
            return True
    return False


def stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


# --- clients ------------------------------------------------------------------------


def client_process(port, project, tokens, seconds, budget, think, out) -> None:
    """Run one thread per token; put this process's measurements on `out`.

    `think` (seconds, 0 for none) is the mean pause between taking a task and submitting
    it, drawn per task between half and one and a half of it: the time a person spends
    reading the snippet.
    """
    from annotator.simulation.client import ApiClient

    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    left = [budget]
    results = {"next": [], "submit": [], "errors": [], "empty": 0, "acked": []}

    def take() -> bool:
        with lock:
            left[0] -= 1
            return left[0] >= 0

    def run(token: str) -> None:
        api = ApiClient(f"http://127.0.0.1:{port}", token, timeout=30)
        pace = random.Random(token)
        nexts, submits, acked, errors, empty = [], [], [], [], 0
        if think:  # people arrive over a while, not all in the same millisecond
            time.sleep(pace.uniform(0, think))
        try:
            while time.monotonic() < deadline and take():
                reply = api.post(f"/api/v1/projects/{project}/assignments/next")
                nexts.append(reply.seconds)
                if reply.status == 204:
                    empty += 1
                    time.sleep(0.05)
                    continue
                if reply.status != 200:
                    errors.append(f"next {reply.status}: {str(reply.data)[:120]}")
                    continue
                assignment = reply.data["id"]
                if think:  # reading the snippet, with the lease held
                    pause = min(think * pace.uniform(0.5, 1.5), deadline - time.monotonic())
                    time.sleep(max(pause, 0.0))
                body = {"no_pii": True, "time_spent_ms": 20_000}
                reply = api.post(f"/api/v1/assignments/{assignment}/submit", body)
                submits.append(reply.seconds)
                if reply.status == 200:
                    acked.append(assignment)
                else:
                    errors.append(f"submit {reply.status}: {str(reply.data)[:120]}")
        except Exception as exc:  # a connection error is a measured error, not a crash
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            api.close()
        with lock:
            results["next"] += nexts
            results["submit"] += submits
            results["acked"] += acked
            results["errors"] += errors
            results["empty"] += empty

    threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def ceiling_process(port, threads, seconds, out) -> None:
    """`threads` clients looping GET /healthz (the middleware stack and one `SELECT 1`)."""
    from annotator.simulation.client import ApiClient

    deadline = time.monotonic() + seconds
    timings, failures = [], []

    def run() -> None:
        api = ApiClient(f"http://127.0.0.1:{port}", timeout=30)
        try:
            while time.monotonic() < deadline:
                reply = api.get("/healthz")
                (timings if reply.status == 200 else failures).append(reply.seconds)
        finally:
            api.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    out.put((timings, failures))


def in_processes(target, arguments: list[tuple]) -> tuple[list, float]:
    """Run `target(*args, queue)` in one process per tuple; their results and the wall time."""
    queue = mp.Queue()
    procs = [mp.Process(target=target, args=(*args, queue)) for args in arguments]
    began = time.perf_counter()
    for proc in procs:
        proc.start()
    parts = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    return parts, time.perf_counter() - began


def run_ceiling(port, clients, seconds) -> dict:
    """What the same server, clients and machine do with the cheapest request there is."""
    parts, wall = in_processes(ceiling_process, [(port, clients // 2, seconds)] * 2)
    timings = [t for part in parts for t in part[0]]
    return {
        "clients": clients,
        "requests_per_s": round(len(timings) / wall, 1),
        "ms": {f"p{q}": round(percentile(timings, q) * 1000, 1) for q in (50, 95, 99)},
        "errors": sum(len(part[1]) for part in parts),
    }


def run_level(port, project, tokens, seconds, budget, think=0.0) -> dict:
    chunks = [
        tokens[i : i + THREADS_PER_CLIENT_PROCESS]
        for i in range(0, len(tokens), THREADS_PER_CLIENT_PROCESS)
    ]
    # Two processes at least from K=10 on: one GIL would also time the clients' own waits.
    if len(tokens) >= 10 and len(chunks) == 1:
        half = len(tokens) // 2
        chunks = [tokens[:half], tokens[half:]]
    share = budget // len(chunks)
    parts, wall = in_processes(
        client_process, [(port, project, c, seconds, share, think) for c in chunks]
    )
    merged = {key: [] for key in ("next", "submit", "errors", "acked")}
    for part in parts:
        for key in merged:
            merged[key] += part[key]
    merged["empty"] = sum(part["empty"] for part in parts)
    merged["wall"] = wall
    return merged


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --- checks -------------------------------------------------------------------------

CHECKS = {
    "tasks_over_overlap": """
        SELECT count(*) FROM projects_task t JOIN projects_project p ON p.id = t.project_id
        WHERE t.project_id = %(p)s AND (
            SELECT count(*) FROM labeling_assignment a
            WHERE a.task_id = t.id AND a.status = 'submitted'
        ) > COALESCE(t.target_overlap, p.overlap)""",
    "annotators_with_a_task_twice": """
        SELECT count(*) FROM (
            SELECT a.task_id, a.annotator_id FROM labeling_assignment a
            JOIN projects_task t ON t.id = a.task_id WHERE t.project_id = %(p)s
            GROUP BY 1, 2 HAVING count(*) > 1) twice""",
    "tasks_miscounted": """
        SELECT count(*) FROM projects_task t WHERE t.project_id = %(p)s AND t.submitted_count
            <> (SELECT count(*) FROM labeling_assignment a
                WHERE a.task_id = t.id AND a.status = 'submitted')""",
    "submissions_paid_twice": """
        SELECT count(*) FROM (
            SELECT l.assignment_id FROM quality_ledgerentry l
            WHERE l.project_id = %(p)s AND l.kind = 'reward'
            GROUP BY 1 HAVING count(*) > 1) twice""",
    "submissions_without_annotation": """
        SELECT count(*) FROM labeling_assignment a JOIN projects_task t ON t.id = a.task_id
        WHERE t.project_id = %(p)s AND a.status = 'submitted'
        AND NOT EXISTS (SELECT 1 FROM labeling_annotation n WHERE n.assignment_id = a.id)""",
}


def check_database(dsn: str, project: int, acked: list[int]) -> dict:
    with psycopg.connect(dsn) as conn:
        found = {
            name: conn.execute(sql, {"p": project}).fetchone()[0] for name, sql in CHECKS.items()
        }
        stored = {
            row[0]
            for row in conn.execute(
                "SELECT a.id FROM labeling_assignment a JOIN projects_task t ON t.id = a.task_id"
                " WHERE t.project_id = %s AND a.status = 'submitted'",
                (project,),
            )
        }
    found["acknowledged_twice"] = len(acked) - len(set(acked))
    found["lost_submissions"] = len(set(acked) - stored)  # acknowledged, not stored
    found["unacknowledged_submissions"] = len(stored - set(acked))  # stored, client saw no 200
    return found


# --- main ---------------------------------------------------------------------------


def summarise(k: int, raw: dict, load: tuple, checks: dict) -> dict:
    ms = lambda v: None if v is None else round(v * 1000, 1)  # noqa: E731
    return {
        "annotators": k,
        "seconds": round(raw["wall"], 1),
        "submissions": len(raw["acked"]),
        "submissions_per_s": round(len(raw["acked"]) / raw["wall"], 1),
        "requests_per_s": round((len(raw["next"]) + len(raw["submit"])) / raw["wall"], 1),
        "next_ms": {f"p{q}": ms(percentile(raw["next"], q)) for q in (50, 95, 99)},
        "submit_ms": {f"p{q}": ms(percentile(raw["submit"], q)) for q in (50, 95, 99)},
        "no_task_answers": raw["empty"],
        # CPU per acknowledged submission (with its `next`), whatever the machine's load:
        # gunicorn, the Celery worker (with its pool), and this database's PostgreSQL backends.
        "cpu_ms_per_submission": {
            "web": ms(raw["web_cpu"] / max(len(raw["acked"]), 1)),
            "celery": ms(raw["celery_cpu"] / max(len(raw["acked"]), 1)),
            "postgres": ms(raw["db_cpu"] / max(len(raw["acked"]), 1)),
        },
        "errors": len(raw["errors"]),
        "error_samples": sorted(set(raw["errors"]))[:5],
        "load_average_before_after": load,
        "checks": checks,
    }


def print_row(row: dict) -> None:
    n, s = row["next_ms"], row["submit_ms"]
    bad = {k: v for k, v in row["checks"].items() if v}
    print(
        f"K={row['annotators']:>3}  {row['submissions']:>6} submits in {row['seconds']:>5} s"
        f" = {row['submissions_per_s']:>6}/s  next p50/p95/p99 {n['p50']}/{n['p95']}/{n['p99']} ms"
        f"  submit {s['p50']}/{s['p95']}/{s['p99']} ms  errors {row['errors']}"
        f"  cpu ms/submit web {row['cpu_ms_per_submission']['web']}"
        f" celery {row['cpu_ms_per_submission']['celery']}"
        f" db {row['cpu_ms_per_submission']['postgres']}"
        f"  load {row['load_average_before_after']}  checks {bad if bad else 'OK'}",
        flush=True,
    )


def py_spy(port_pids: list[int], seconds: float, folder: Path, k: int) -> list[subprocess.Popen]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                str(BIN / "py-spy"),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "50",
                "--format",
                "speedscope",
                "--nonblocking",
                "--output",
                str(folder / f"K{k}-worker{pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in port_pids
    ]


def cpu_seconds(pids) -> dict[int, float]:
    """utime + stime of each live process, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def database_pids(dsn: str, name: str) -> list[int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        return [row[0] for row in rows]


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def child_processes(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--seconds", type=float, default=15.0, help="Per level.")
    parser.add_argument("--max-submissions", type=int, default=8000, help="Per level.")
    parser.add_argument(
        "--files", type=int, default=700, help="Synthetic files (~4 snippets each)."
    )
    # Two processes for two cores: more workers (4 x 8 before) cost ~35 % more CPU per
    # submission in GIL and context switching, with no gain (RESULTS.md, Load).
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument(
        "--ceiling", type=int, default=0, metavar="K",
        help="Afterwards, K clients loop GET /healthz: the stack's ceiling on this machine.",
    )  # fmt: skip
    parser.add_argument(
        "--think", type=float, default=0.0,
        help="Mean seconds each annotator spends on a task before submitting (0: flat out).",
    )  # fmt: skip
    parser.add_argument("--db-server", default=os.environ.get(
        "LOAD_DB_SERVER", "postgres://postgres@127.0.0.1:5432"))  # fmt: skip
    parser.add_argument("--db-name", default="annotator_load")
    parser.add_argument("--redis-url", default=os.environ.get(
        "LOAD_REDIS_URL", "redis://127.0.0.1:6379/13"))  # fmt: skip
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--no-analyze", action="store_true", help="Leave the seeded tables without statistics."
    )
    parser.add_argument("--py-spy", type=Path, help="Record the gunicorn workers into this folder.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    levels = [int(v) for v in args.levels.split(",")]

    env = child_env(args)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY",
                                           "SECURE_SSL_REDIRECT", "STATIC_MANIFEST", "LOG_LEVEL",
                                           "CACHE_KEY_PREFIX")})  # fmt: skip
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    recreate_database(args.db_server, args.db_name)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    began = time.perf_counter()
    seeded = seed(args, levels)
    print(f"Seeded {seeded['tasks']} snippets, {len(levels)} projects in "
          f"{time.perf_counter() - began:.1f} s", flush=True)  # fmt: skip
    from django.db import connections

    connections.close_all()  # the server processes own the database from here on

    port = free_port()
    started = start_servers(args, env, port)
    rows, ceiling = [], None
    try:
        for k in levels:
            project = seeded["projects"][k]
            spies = (
                py_spy(child_processes(started[0].pid), args.seconds, args.py_spy, k)
                if args.py_spy
                else []
            )
            before = tuple(round(v, 2) for v in os.getloadavg())
            web = [started[0].pid, *child_processes(started[0].pid)]
            celery = [p.pid for p in started[1:]]
            celery += [child for pid in celery for child in child_processes(pid)]
            web_cpu, celery_cpu = cpu_seconds(web), cpu_seconds(celery)
            db_cpu = cpu_seconds(database_pids(env["DATABASE_URL"], args.db_name))
            raw = run_level(
                port, project, seeded["tokens"][:k], args.seconds, args.max_submissions, args.think
            )
            after = tuple(round(v, 2) for v in os.getloadavg())
            raw["web_cpu"] = cpu_used(web_cpu, cpu_seconds(web))
            raw["celery_cpu"] = cpu_used(celery_cpu, cpu_seconds(celery))
            db_now = database_pids(env["DATABASE_URL"], args.db_name)
            raw["db_cpu"] = cpu_used(db_cpu, cpu_seconds(db_now))
            for spy in spies:
                spy.wait(timeout=60)
            checks = check_database(env["DATABASE_URL"], project, raw["acked"])
            rows.append(summarise(k, raw, (before[0], after[0]), checks))
            print_row(rows[-1])
        if args.ceiling:
            ceiling = run_ceiling(port, args.ceiling, args.seconds)
            print(f"ceiling: {ceiling}", flush=True)
    finally:
        stop(started)
        if not args.keep_db:
            drop_database(args.db_server, args.db_name)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores",
        "gunicorn": f"{args.workers} gthread workers x {args.threads} threads",
        "celery": not args.no_celery,
        "think_seconds": args.think,
        "levels": rows,
        "ceiling": ceiling,
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
