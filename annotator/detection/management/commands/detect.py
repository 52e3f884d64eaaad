"""Run the PII detector over a JSONL file of snippets, in parallel, streaming."""

import json
from collections.abc import Iterator
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.detection import detect

_CHUNK = 64


def _read_records(path: Path) -> Iterator[tuple[object, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
                record_id = record["id"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise CommandError(f"{path}:{number}: malformed record ({exc}).") from exc
            if not isinstance(text, str):
                raise CommandError(f"{path}:{number}: 'text' must be a string.")
            yield record_id, text


def detect_line(item: tuple[object, str]) -> str:
    """Worker body: one output line per input record (module level so it pickles)."""
    record_id, text = item
    spans = [span.as_dict() for span in detect(text)]
    return json.dumps({"id": record_id, "spans": spans}, ensure_ascii=False)


class Command(BaseCommand):
    help = "Detect PII spans in {id, text} JSONL records; writes {id, spans} in input order."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, type=Path)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, input: Path, output: Path, workers: int, **options):
        input, output = Path(input), Path(output)  # call_command passes strings as given
        if not input.exists():
            raise CommandError(f"{input}: no such file.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        count = 0
        with output.open("w", encoding="utf-8") as out:
            for line in self._lines(_read_records(input), workers):
                out.write(line + "\n")
                count += 1
        self.stdout.write(f"Wrote {count} records to {output}.")

    def _lines(self, records: Iterator[tuple[object, str]], workers: int) -> Iterator[str]:
        if workers == 1:
            yield from map(detect_line, records)
            return
        # Feed the pool in bounded batches so a parse error surfaces at its line
        # and memory stays flat however large the input is.
        with get_context("fork").Pool(workers) as pool:
            while batch := list(islice(records, _CHUNK * workers * 4)):
                yield from pool.imap(detect_line, batch, chunksize=_CHUNK)
