"""Run the PII detector over a JSONL file of snippets, in parallel, streaming.

The main process only reads lines and writes results: workers parse the records, detect
and encode, a batch of lines at a time, so the parent does not hold a core the workers
need. With `--model`, a trained model (see `train_detector`) is added to the rules as in
`detection.combined`: loaded once, before the worker processes fork, which inherit it.
"""

import json
from collections.abc import Iterator
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.detection import model
from annotator.detection.combined import detect_combined

_CHUNK = 64  # lines per worker task
_model: model.DetectorModel | None = None  # the model detect_line adds, set by _use_model


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line that is not blank."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.isspace():
                yield number, line


def _record(path: str, number: int, line: str) -> tuple[object, str]:
    try:
        record = json.loads(line)
        text = record["text"]
        record_id = record["id"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CommandError(f"{path}:{number}: malformed record ({exc}).") from exc
    if not isinstance(text, str):
        raise CommandError(f"{path}:{number}: 'text' must be a string.")
    return record_id, text


def _use_model(path: Path | None) -> None:
    global _model
    _model = model.load(path) if path is not None else None


def detect_line(item: tuple[object, str]) -> str:
    """One output line (no newline) for one record."""
    record_id, text = item
    spans = [span.as_dict() for span in detect_combined(text, _model)]
    return json.dumps({"id": record_id, "spans": spans}, ensure_ascii=False)


def detect_lines(task: tuple[str, list[tuple[int, str]]]) -> tuple[int, str]:
    """Worker body (module level so it pickles): the output of a batch of input lines,
    as (records, text); a malformed line raises CommandError naming it."""
    path, lines = task
    out = [detect_line(_record(path, number, line)) + "\n" for number, line in lines]
    return len(out), "".join(out)


class Command(BaseCommand):
    help = "Detect PII spans in {id, text} JSONL records; writes {id, spans} in input order."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, type=Path)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--model", type=Path, help="a trained model added to the rules")

    def handle(self, *args, input: Path, output: Path, workers: int, **options):
        input, output = Path(input), Path(output)  # call_command passes strings as given
        model_path = Path(options["model"]) if options.get("model") else None
        if not input.exists():
            raise CommandError(f"{input}: no such file.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        try:
            _use_model(model_path)  # before any output: a bad file fails at once
        except (OSError, ValueError) as exc:
            raise CommandError(f"{model_path}: cannot load the model ({exc}).") from exc
        count = 0
        try:
            with output.open("w", encoding="utf-8") as out:
                for records, text in self._outputs(input, workers):
                    out.write(text)
                    count += records
        finally:
            _use_model(None)  # call_command runs in a long-lived process: don't keep it
        self.stdout.write(f"Wrote {count} records to {output}.")

    def _outputs(self, input: Path, workers: int) -> Iterator[tuple[int, str]]:
        lines = _read_lines(input)
        if workers == 1:
            for number, line in lines:
                yield 1, detect_line(_record(str(input), number, line)) + "\n"
            return
        tasks = ((str(input), chunk) for chunk in iter(lambda: list(islice(lines, _CHUNK)), []))
        # Feed the pool in bounded rounds so memory stays flat however large the input
        # is, and a malformed line surfaces at its number, in order.
        with get_context("fork").Pool(workers) as pool:  # the workers inherit _model
            while batch := list(islice(tasks, workers * 4)):
                yield from pool.imap(detect_lines, batch)
