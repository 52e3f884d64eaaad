"""Replacing PII in code with placeholders, and reading/writing the files being redacted.

No ORM here: `services.py` keeps the run's state in the database and calls these functions.

- `Pseudonyms` holds one file's replacements, so the same value always gets the same
  replacement within that file (and only within it: files are redacted independently,
  which is what lets a run be split across workers).
- `redact_text(text, spans, ...)` replaces the spans, leaving every other character as it
  was. IPs become addresses from the documentation ranges of the same family
  (RFC 5737 for IPv4, RFC 3849 for IPv6), so the code still parses.
- `plan_items` / `read_items` / `ItemWriter`: the three input kinds (JSONL of records with
  `content`, a directory tree, a zip or tar.gz archive) and the outputs that mirror them.
  Directory and archive reading reuse `catalog.importing`, so a hostile archive is refused
  exactly as the import refuses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import ipaddress
import json
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from annotator.catalog import importing
from annotator.detection.types import DetectedSpan

PLACEHOLDERS = {
    "NAME": "<NAME>",
    "EMAIL": "<EMAIL>",
    "USERNAME": "<USERNAME>",
    "KEY": "<KEY>",
    "PASSWORD": "<PASSWORD>",
    "ID": "<ID>",
    "IP_ADDRESS": "<IP_ADDRESS>",  # only for a labeled value that is not a valid address
}
KEEPABLE_CONTEXTS = frozenset({"license", "placeholder"})
_IPV4_POOLS = tuple(
    ipaddress.IPv4Network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
_IPV4_HOSTS = 254  # .1 to .254 of each /24: no network or broadcast address
_IPV6_POOL = ipaddress.IPv6Network("2001:db8::/32")

JSONL, DIRECTORY, ZIP, TAR_GZ = "jsonl", "directory", "zip", "tar_gz"
# Skip reasons beyond the importer's: text that cannot be labeled reliably.
UNDECODABLE = "undecodable"
UNLABELED = "unlabeled"  # --labels project: the file is not (fully) labeled in the project


# --- The pure core ---------------------------------------------------------------------


class Pseudonyms:
    """One file's value -> replacement table.

    IPv4 addresses get 192.0.2.1, 192.0.2.2, ... in order of first appearance (762 distinct
    values before a hash takes over, so two addresses of a file never share a replacement
    below that); IPv6 addresses get 2001:db8::1, 2001:db8::2, ...
    """

    def __init__(self) -> None:
        self.table: dict[str, str] = {}
        self.ipv4_count = 0
        self.ipv6_count = 0

    def replacement(self, value: str, category: str) -> str:
        # Keyed by the value alone: one string is one secret, whatever a rule called it.
        found = self.table.get(value)
        if found is None:
            found = self.table[value] = self._new(value, category)
        return found

    def _new(self, value: str, category: str) -> str:
        if category != "IP_ADDRESS":
            return PLACEHOLDERS.get(category, f"<{category}>")
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return PLACEHOLDERS["IP_ADDRESS"]
        if address.version == 4:
            self.ipv4_count += 1
            return str(_ipv4_for(self.ipv4_count, value))
        self.ipv6_count += 1
        return str(_IPV6_POOL[self.ipv6_count])


def _ipv4_for(number: int, value: str) -> ipaddress.IPv4Address:
    if number > _IPV4_HOSTS * len(_IPV4_POOLS):
        number = int(hashlib.sha256(value.encode()).hexdigest(), 16) % (_IPV4_HOSTS * 3) + 1
    pool, host = divmod(number - 1, _IPV4_HOSTS)
    return _IPV4_POOLS[pool][host + 1]


@dataclass
class Counts:
    replaced: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)  # spans left alone for their context

    def add(self, other: Counts) -> None:
        self.replaced.update(other.replaced)
        self.kept.update(other.kept)

    def as_dict(self) -> dict:
        return {
            "replaced": dict(sorted(self.replaced.items())),
            "kept": dict(sorted(self.kept.items())),
        }


def non_overlapping(spans: Iterable[DetectedSpan]) -> list[DetectedSpan]:
    """Sorted spans with overlaps dropped (the earlier, then the longer one wins)."""
    kept: list[DetectedSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if span.end > span.start and (not kept or span.start >= kept[-1].end):
            kept.append(span)
    return kept


def redact_text(
    text: str, spans: Iterable[DetectedSpan], *, keep: frozenset[str] = frozenset()
) -> tuple[str, Counts]:
    """Replace each span whose context is not in `keep`; characters outside spans stay.

    AMBIGUOUS spans are left alone: there is no agreed placeholder for "might be PII".
    """
    pseudonyms, counts, out, position = Pseudonyms(), Counts(), [], 0
    for span in non_overlapping(spans):
        if span.label == "AMBIGUOUS" or span.context in keep:
            counts.kept[span.label] += 1
            continue
        out.append(text[position : span.start])
        out.append(pseudonyms.replacement(text[span.start : span.end], span.label))
        counts.replaced[span.label] += 1
        position = span.end
    out.append(text[position:])
    return "".join(out), counts


# --- Inputs ------------------------------------------------------------------------------


def input_kind(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        return DIRECTORY
    if not path.is_file():
        raise importing.ImportFailure(f"{path}: no such file or directory.")
    for suffix, kind in ((".jsonl", JSONL), (".zip", ZIP), (".tar.gz", TAR_GZ), (".tgz", TAR_GZ)):
        if name.endswith(suffix):
            return kind
    raise importing.ImportFailure(
        f"{path.name}: unsupported input (use .jsonl, .zip, .tar.gz or a folder)."
    )


@dataclass(frozen=True)
class PlannedItem:
    key: str  # the relative path, or "line:N" in a JSONL input
    position: int  # order in the input, so outputs come out in input order
    offset: int = 0  # JSONL: byte offset of the line, for random access by workers
    skip: str = ""  # a reason when the item is never read (link, nested archive, ...)


@dataclass(frozen=True)
class Item:
    key: str
    text: str | None  # None: skipped for `skip`
    record: dict | None = None  # JSONL: the whole record, written back with `content` replaced
    skip: str = ""
    surrogates: bool = False  # text decoded with surrogateescape: re-encode the same way
    error: str = ""  # a record that cannot be read (the run goes on without it)


def plan_items(path: Path, limits: importing.Limits) -> Iterator[PlannedItem]:
    """Walk the input once, with the importer's checks, yielding the items of a run."""
    if input_kind(path) == JSONL:
        yield from _plan_jsonl(path)
        return
    seen: set[str] = set()
    for position, record in enumerate(importing.iter_records(path, limits)):
        reason = record.reason if isinstance(record, importing.Skip) else ""
        key = record.path
        if key in seen:  # a zip or tar may repeat a name: one output path, one item
            key, reason = f"{record.path}#{position}", importing.DUPLICATE
        seen.add(key)
        yield PlannedItem(key=key, position=position, skip=reason)


def _plan_jsonl(path: Path) -> Iterator[PlannedItem]:
    position, offset = 0, 0
    with path.open("rb") as stream:
        for line in stream:
            if line.strip():
                yield PlannedItem(key=f"line:{position + 1}", position=position, offset=offset)
                position += 1
            offset += len(line)


def read_items(
    path: Path, planned: Sequence[tuple[str, int]], limits: importing.Limits
) -> Iterator[Item]:
    """The items of `planned` ((key, offset) pairs), in the order given."""
    kind = input_kind(path)
    if kind == JSONL:
        yield from _read_jsonl(path, planned, limits)
    elif kind == DIRECTORY:
        for key, _ in planned:
            yield _read_directory_file(path, key, limits)
    else:
        yield from _read_archive(path, [key for key, _ in planned], limits)


def _read_jsonl(path: Path, planned: Sequence[tuple[str, int]], limits) -> Iterator[Item]:
    with path.open("rb") as stream:
        for key, offset in planned:
            stream.seek(offset)
            line = stream.readline()
            try:
                record = json.loads(line)
            except ValueError as exc:
                yield Item(key, None, error=f"{path.name}, {key}: malformed JSON ({exc}).")
                continue
            content = record.get("content") if isinstance(record, dict) else None
            if not isinstance(content, str):
                yield Item(key, None, error=f"{path.name}, {key}: missing or non-text 'content'.")
                continue
            yield _checked(key, content, record=record, limits=limits)


def _read_directory_file(root: Path, key: str, limits: importing.Limits) -> Item:
    posix = PurePosixPath(key)
    if posix.is_absolute() or ".." in posix.parts:
        raise importing.ImportFailure(f"{key!r} points outside the input folder.")
    full = root.joinpath(*posix.parts)
    info = full.lstat()  # the tree may have changed since the plan: check again
    if stat.S_ISLNK(info.st_mode):
        return Item(key, None, skip=importing.LINK)
    if not stat.S_ISREG(info.st_mode):
        return Item(key, None, skip=importing.DEVICE)
    if info.st_size > limits.max_file_bytes:
        return Item(key, None, skip=importing.TOO_LARGE)
    return _from_bytes(key, full.read_bytes(), limits)


def _read_archive(path: Path, keys: Sequence[str], limits) -> Iterator[Item]:
    wanted = set(keys)
    found: dict[str, Item] = {}
    # Streaming the archive again keeps every check of the importer; members are
    # emitted in the order asked for, which is the archive's order.
    for record in importing.iter_records(path, limits):
        if record.path not in wanted or record.path in found:
            continue
        if isinstance(record, importing.Skip):
            item = Item(record.path, None, skip=record.reason)
        else:
            item = _from_bytes(record.path, record.data, limits)
        found[record.path] = item
        if len(found) == len(wanted):
            break
    for key in keys:
        yield found.get(key) or Item(key, None, skip="missing")


def _from_bytes(key: str, data: bytes | str, limits: importing.Limits) -> Item:
    if isinstance(data, str):
        return _checked(key, data, limits=limits)
    if b"\x00" in data:
        return Item(key, None, skip=importing.BINARY)
    # surrogateescape keeps invalid UTF-8 bytes as they were when the text is written back.
    text = data.decode("utf-8", "surrogateescape")
    return _checked(key, text, limits=limits, surrogates=True)


def _checked(key: str, text: str, *, limits, record=None, surrogates=False) -> Item:
    if "\x00" in text:
        return Item(key, None, record=record, skip=importing.BINARY)
    if len(text) > limits.max_file_bytes:
        return Item(key, None, record=record, skip=importing.TOO_LARGE)
    return Item(key, text, record=record, surrogates=surrogates)


def normalised_hash(text: str) -> str:
    """The importer's content hash (LF line endings), to find a file's labels in a project."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


# --- Outputs -----------------------------------------------------------------------------


def write_atomically(target: Path, data: bytes) -> None:
    """Write to a temporary file beside `target`, then rename: a reader (or a resumed run)
    sees the old file or the new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def output_path(root: Path, key: str) -> Path:
    posix = PurePosixPath(key.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise importing.ImportFailure(f"{key!r} points outside the output folder.")
    return root.joinpath(*posix.parts)


def encode_item(item: Item, text: str) -> bytes:
    """An item's output: a JSONL line (record with `content` replaced) or the file's bytes."""
    if item.record is not None:
        record = {**item.record, "content": text}
        try:
            return (json.dumps(record, ensure_ascii=False) + "\n").encode()
        except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape: keep it escaped
            return (json.dumps(record) + "\n").encode()
    return text.encode("utf-8", "surrogateescape" if item.surrogates else "strict")


def parts_dir(output: Path) -> Path:
    """Where a JSONL run keeps one finished part per batch until the output is joined."""
    return output.with_name(output.name + ".parts")


def part_path(output: Path, first_position: int) -> Path:
    return parts_dir(output) / f"{first_position:012d}.jsonl"


def part_line(position: int, line: bytes) -> bytes:
    """A part's line carries its input position, so parts written in any order join back
    in input order (a resumed run retries single failed records into parts of their own)."""
    return b"%012d\t" % position + line


def join_parts(output: Path) -> None:
    """Merge the parts in input order into `output` (atomically), then drop them."""
    folder = parts_dir(output)
    parts = sorted(folder.glob("*.jsonl")) if folder.exists() else []
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=output.parent, prefix=f".{output.name}.", suffix=".tmp"
    )
    with contextlib.ExitStack() as stack, os.fdopen(handle, "wb") as stream:
        sources = [stack.enter_context(part.open("rb")) for part in parts]
        last = None
        for line in heapq.merge(*sources):
            position, record = line.split(b"\t", 1)
            if position != last:  # a record in two parts (a batch redone after a crash)
                stream.write(record)
            last = position
    os.replace(temporary, output)
    for part in parts:
        part.unlink()
    if folder.exists():
        folder.rmdir()
