"""Pre-annotation throughput: the rule detector over a dataset into Suggestion rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotator \\
        .venv/bin/python benchmarks/preannotate_bench.py [--files 1000] [--repeats 3]

Creates its own database (preannotate_bench_<name>), seeds the demo (40 synthetic files)
and imports a larger synthetic dataset of `--files` files (the same generator, another
seed). For each, times `dataset_preannotate` end to end (reading files, detecting,
cutting spans to snippets, replacing the suggestions batch by batch) `--repeats` times:
every run after the first also deletes the previous run's rows. Prints snippets/s and
MB/s (median, min, max). The database is dropped at the end.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup_django, throwaway_database


def measure(dataset, repeats: int) -> dict:
    from django.db.models import Sum
    from django.db.models.functions import Length

    from annotator.detection.preannotation import dataset_preannotate

    chars = dataset.files.aggregate(n=Sum(Length("content")))["n"] or 0
    runs = []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        summary = dataset_preannotate(dataset=dataset)
        runs.append((time.perf_counter() - started, time.process_time() - cpu, summary))
    walls = [wall for wall, _, _ in runs]
    summary = runs[-1][2]
    return {
        "files": summary.files,
        "snippets": summary.snippets,
        "suggestions": summary.suggestions,
        "megabytes": chars / 1e6,
        "snippets_per_s": [summary.snippets / w for w in walls],
        "cpu_share": statistics.median(cpu / wall for wall, cpu, _ in runs),
        "mb_per_s": [chars / 1e6 / w for w in walls],
    }


def show(name: str, result: dict) -> None:
    rate, mb = result["snippets_per_s"], result["mb_per_s"]
    print(
        f"{name}: {result['files']} files, {result['snippets']} snippets, "
        f"{result['megabytes']:.1f} MB, {result['suggestions']} suggestions; "
        f"{statistics.median(rate):.0f} snippets/s (min {min(rate):.0f}, max {max(rate):.0f}), "
        f"{statistics.median(mb):.2f} MB/s; CPU/wall {result['cpu_share']:.2f}"
    )


def run(files: int, repeats: int) -> None:
    from annotator.accounts.models import User
    from annotator.catalog.importing import FileRecord
    from annotator.catalog.models import Dataset
    from annotator.catalog.services import dataset_create, dataset_import
    from annotator.demo import synthetic
    from annotator.demo.services import DATASET_NAME, demo_seed

    demo_seed()
    show("demo dataset", measure(Dataset.objects.get(name=DATASET_NAME), repeats))
    owner = User.objects.get(username="requester")
    big = dataset_create(owner=owner, name="bench")
    records = [
        FileRecord(path=f"{n}/{f.path}", data=f.content, language=f.language)
        for n, f in enumerate(synthetic.generate_files(files, seed=99))
    ]
    dataset_import(dataset=big, records=records)
    show(f"synthetic, {files} files", measure(big, repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    with throwaway_database("preannotate_bench"):
        run(args.files, args.repeats)


if __name__ == "__main__":
    main()
