"""Reading code files from uploads and cutting them into snippets. Pure: no ORM here.

Data flow: `iter_records(path)` yields `FileRecord`s (or `Skip`s for archive members that
are never read), `prepare_all` turns them into `PreparedFile`s (decoded, normalised,
checked, de-duplicated) while counting into an `ImportSummary`, and `cut_snippets`
splits a prepared file into pieces of `lines` lines whose offsets map back to the file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from annotator.core.exceptions import DomainError

# Skip reasons, in the order the summary lists them.
BINARY = "binary"
TOO_LARGE = "too_large"
LINE_TOO_LONG = "line_too_long"
EMPTY = "empty"
DUPLICATE = "duplicate"
LINK = "link"  # symlink or hardlink inside an archive or directory
DEVICE = "device"  # character/block device, fifo, socket
NESTED_ARCHIVE = "nested_archive"
SKIP_REASONS = (BINARY, TOO_LARGE, LINE_TOO_LONG, EMPTY, DUPLICATE, LINK, DEVICE, NESTED_ARCHIVE)

# Compression ratios are only judged past this many uncompressed bytes: tiny archives
# (a tar of one short file is 10 KiB of mostly zeros) compress absurdly well.
RATIO_FLOOR_BYTES = 1 << 20
READ_CHUNK = 1 << 16
MAX_INFLATE_CHUNK = 1 << 20

ARCHIVE_SUFFIXES = (
    ".zip", ".jar", ".war", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tbz2",
)  # fmt: skip
ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c")

_SURROGATES = re.compile("[\ud800-\udfff]")

# Field length caps of SourceFile, so an odd record cannot make the bulk write fail.
MAX_PATH, MAX_LANGUAGE, MAX_LICENSE, MAX_REPOSITORY = 1000, 40, 200, 300

EXTENSION_LANGUAGES = {
    ".py": "Python", ".pyi": "Python", ".js": "JavaScript", ".mjs": "JavaScript",
    ".cjs": "JavaScript", ".jsx": "JavaScript", ".ts": "TypeScript", ".tsx": "TypeScript",
    ".java": "Java", ".kt": "Kotlin", ".kts": "Kotlin", ".scala": "Scala", ".go": "Go",
    ".rs": "Rust", ".c": "C", ".h": "C", ".cc": "C++", ".cpp": "C++", ".cxx": "C++",
    ".hpp": "C++", ".hh": "C++", ".cs": "C#", ".rb": "Ruby", ".php": "PHP", ".swift": "Swift",
    ".m": "Objective-C", ".sh": "Shell", ".bash": "Shell", ".zsh": "Shell", ".ps1": "PowerShell",
    ".sql": "SQL", ".pl": "Perl", ".pm": "Perl", ".lua": "Lua", ".r": "R", ".dart": "Dart",
    ".ex": "Elixir", ".exs": "Elixir", ".erl": "Erlang", ".hs": "Haskell", ".clj": "Clojure",
    ".jl": "Julia", ".html": "HTML", ".htm": "HTML", ".css": "CSS", ".scss": "SCSS",
    ".vue": "Vue", ".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML",
    ".xml": "XML", ".ini": "INI", ".cfg": "INI", ".env": "Dotenv", ".md": "Markdown",
    ".tf": "HCL", ".gradle": "Groovy", ".groovy": "Groovy",
}  # fmt: skip
FILENAME_LANGUAGES = {"Dockerfile": "Dockerfile", "Makefile": "Makefile", ".env": "Dotenv"}


class ImportFailure(DomainError):
    """The input cannot be imported at all; the message names the line or member."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 1_000_000
    max_line_chars: int = 1_000
    max_archive_bytes: int = 2_000_000_000
    max_compression_ratio: int = 200


@dataclass(frozen=True)
class FileRecord:
    path: str
    data: bytes | str
    language: str = ""
    license: str = ""
    repository: str = ""


@dataclass(frozen=True)
class Skip:
    path: str
    reason: str


@dataclass(frozen=True)
class PreparedFile:
    path: str
    content: str  # decoded, LF line endings
    content_hash: str  # sha256 hex of content as UTF-8
    line_count: int
    size: int  # bytes as read, before normalising
    replacements: int  # invalid UTF-8 sequences replaced by U+FFFD
    language: str = ""
    license: str = ""
    repository: str = ""


@dataclass(frozen=True)
class SnippetPiece:
    index: int  # 0-based position in the file
    start_line: int  # 1-based
    line_count: int
    start_offset: int  # character offset of text in the file content
    text: str


@dataclass
class ImportSummary:
    files_imported: int = 0
    files_skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SKIP_REASONS, 0))
    snippets_created: int = 0
    replacements: int = 0
    bytes: int = 0  # size of the imported files as read
    seconds: float = 0.0

    @property
    def files_seen(self) -> int:
        return self.files_imported + sum(self.files_skipped.values())

    def skip(self, reason: str) -> None:
        self.files_skipped[reason] = self.files_skipped.get(reason, 0) + 1

    def as_dict(self) -> dict:
        return {
            "files_imported": self.files_imported,
            "files_skipped": dict(self.files_skipped),
            "snippets_created": self.snippets_created,
            "decoding_replacements": self.replacements,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
        }


# --- Preparing one file ------------------------------------------------------------


def language_for(path: str) -> str:
    name = PurePosixPath(path).name
    if name in FILENAME_LANGUAGES:
        return FILENAME_LANGUAGES[name]
    return EXTENSION_LANGUAGES.get(PurePosixPath(name).suffix.lower(), "")


def _decode(data: bytes | str) -> tuple[str, int, int, bytes | None]:
    """Return (text, replacements, size in bytes, UTF-8 of text if already at hand)."""
    if isinstance(data, str):
        try:
            encoded = data.encode("utf-8")
            return data, 0, len(encoded), encoded
        except UnicodeEncodeError:
            # Lone surrogates from a JSON "\ud800" escape: one replacement each.
            text, count = _SURROGATES.subn("\ufffd", data)
            return text, count, len(text.encode("utf-8")), None
    try:
        return data.decode("utf-8"), 0, len(data), data
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
        # A valid EF BF BD is a real U+FFFD in the input, not a replacement.
        return text, text.count("\ufffd") - data.count(b"\xef\xbf\xbd"), len(data), None


def _longest_line(text: str, limit: int) -> int:
    if len(text) <= limit:
        return len(text)
    return max(map(len, text.split("\n")))


def count_lines(content: str) -> int:
    """Lines of LF text; a final line without a trailing newline counts as a line."""
    if not content:
        return 0
    return content.count("\n") + (0 if content.endswith("\n") else 1)


def prepare_file(record: FileRecord, limits: Limits) -> PreparedFile | Skip:
    """Decode and normalise a record, or say why it is skipped (not duplicates)."""
    data = record.data
    if (b"\x00" if isinstance(data, bytes) else "\x00") in data:
        return Skip(record.path, BINARY)
    text, replacements, size, encoded = _decode(data)
    if size > limits.max_file_bytes:
        return Skip(record.path, TOO_LARGE)
    if "\r" in text:
        text, encoded = text.replace("\r\n", "\n").replace("\r", "\n"), None
    if not text or text.isspace():
        return Skip(record.path, EMPTY)
    if _longest_line(text, limits.max_line_chars) > limits.max_line_chars:
        return Skip(record.path, LINE_TOO_LONG)
    return PreparedFile(
        path=record.path[:MAX_PATH],
        content=text,
        content_hash=hashlib.sha256(encoded or text.encode("utf-8")).hexdigest(),
        line_count=count_lines(text),
        size=size,
        replacements=replacements,
        language=(record.language or language_for(record.path))[:MAX_LANGUAGE],
        license=record.license[:MAX_LICENSE],
        repository=record.repository[:MAX_REPOSITORY],
    )


def prepare_all(
    records: Iterable[FileRecord | Skip],
    *,
    limits: Limits,
    seen_hashes: set[str],
    summary: ImportSummary,
) -> Iterator[PreparedFile]:
    """Yield the files to import, counting skips into `summary`.

    `seen_hashes` holds the hashes already in the dataset; it grows as files pass, so
    a duplicate is caught whether its twin is old or earlier in this import.
    """
    for record in records:
        prepared = record if isinstance(record, Skip) else prepare_file(record, limits)
        if isinstance(prepared, PreparedFile) and prepared.content_hash in seen_hashes:
            prepared = Skip(prepared.path, DUPLICATE)
        if isinstance(prepared, Skip):
            summary.skip(prepared.reason)
            continue
        seen_hashes.add(prepared.content_hash)
        summary.files_imported += 1
        summary.replacements += prepared.replacements
        summary.bytes += prepared.size
        yield prepared


@functools.lru_cache(maxsize=8)
def _piece_pattern(lines: int) -> re.Pattern[str]:
    # Up to lines-1 complete lines, then one more line, complete or the unterminated last.
    return re.compile(rf"(?:[^\n]*\n){{0,{lines - 1}}}(?:[^\n]*\n|[^\n]+)")


def cut_snippets(content: str, lines: int = 50) -> list[SnippetPiece]:
    """Cut LF text into pieces of `lines` lines (the last may be shorter).

    Each piece keeps its lines' newlines, so the pieces concatenate back to `content`
    and `content[p.start_offset:p.start_offset + len(p.text)] == p.text`.
    """
    pieces: list[SnippetPiece] = []
    # A regex walks the text in C, twice as fast as finding newlines one by one.
    for index, match in enumerate(_piece_pattern(lines).finditer(content)):
        text = match.group()
        count = text.count("\n") + (0 if text.endswith("\n") else 1)
        pieces.append(SnippetPiece(index, index * lines + 1, count, match.start(), text))
    return pieces


# --- Readers -------------------------------------------------------------------------


def iter_records(path: str | os.PathLike, limits: Limits | None = None) -> Iterator[FileRecord]:
    """Yield the files of a .jsonl, .zip, .tar.gz/.tgz or a directory.

    Archive members that are never read (links, devices, nested archives, oversized
    files) come out as `Skip`s. Raises ImportFailure naming the line or member.
    """
    path, limits = Path(path), limits or Limits()
    reader = _reader_for(path)
    found = False
    for item in reader(path, limits):
        found = True
        yield item  # type: ignore[misc]
    if not found:
        raise ImportFailure(f"{path.name}: no files to import.")


def _reader_for(path: Path):
    name = path.name.lower()
    if path.is_dir():
        return _read_directory
    if not path.is_file():
        raise ImportFailure(f"{path}: no such file or directory.")
    if name.endswith(".jsonl"):
        return _read_jsonl
    if name.endswith(".zip"):
        return _read_zip
    if name.endswith((".tar.gz", ".tgz")):
        return _read_tar_gz
    raise ImportFailure(f"{path.name}: unsupported input (use .jsonl, .zip, .tar.gz or a folder).")


def count_records(path: str | os.PathLike, limits: Limits | None = None) -> int | None:
    """How many records `iter_records` will yield, for progress; None if unknown."""
    path, limits = Path(path), limits or Limits()
    try:
        if path.is_dir():
            return sum(len(files) for _, _, files in os.walk(path))
        name = path.name.lower()
        if name.endswith(".jsonl"):
            with path.open("rb") as stream:
                return sum(1 for line in stream if line.strip())
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                return sum(1 for info in archive.infolist() if not info.is_dir())
        if name.endswith((".tar.gz", ".tgz")):
            return sum(1 for item in _read_tar_gz(path, limits, read_data=False))
    except (OSError, ValueError, zipfile.BadZipFile, tarfile.TarError, DomainError):
        return None  # the import itself will report the problem clearly
    return None


def _text_field(obj: dict, *names: str) -> str:
    for name in names:
        value = obj.get(name)
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        if value:
            return str(value)
    return ""


def _jsonl_record(obj: object, where: str) -> FileRecord:
    if not isinstance(obj, dict):
        raise ImportFailure(f"{where}: expected a JSON object.")
    content = obj.get("content")
    if not isinstance(content, str):
        raise ImportFailure(f"{where}: missing or non-text 'content'.")
    path = _text_field(obj, "path", "max_stars_repo_path", "max_forks_repo_path")
    if not path:
        raise ImportFailure(f"{where}: missing 'path' (or 'max_stars_repo_path').")
    return FileRecord(
        path=path,
        data=content,
        language=_text_field(obj, "language", "lang"),
        license=_text_field(obj, "license", "max_stars_repo_licenses", "licenses"),
        repository=_text_field(obj, "repository", "max_stars_repo_name"),
    )


def _read_jsonl(path: Path, limits: Limits) -> Iterator[FileRecord]:
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            where = f"{path.name}, line {number}"
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise ImportFailure(f"{where}: malformed JSON ({exc}).") from None
            yield _jsonl_record(obj, where)


def _check_member_name(archive: str, name: str) -> None:
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise ImportFailure(f"{archive}: member {name!r} has an absolute path.")
    if ".." in PurePosixPath(posix).parts:
        raise ImportFailure(f"{archive}: member {name!r} points outside the archive (..).")


def _is_nested_archive(name: str, head: bytes = b"") -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES) or head.startswith(ARCHIVE_MAGIC)


def _bomb(archive: str, what: str, limits: Limits) -> ImportFailure:
    return ImportFailure(
        f"{archive}: {what} (limits: {limits.max_archive_bytes} bytes uncompressed, "
        f"ratio {limits.max_compression_ratio}:1); refusing a possible zip bomb."
    )


def _zip_check_sizes(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(info.file_size for info in infos)
    if total > limits.max_archive_bytes:
        raise _bomb(path.name, f"{total} bytes uncompressed", limits)
    archive_size = max(path.stat().st_size, 1)
    if total > RATIO_FLOOR_BYTES and total > limits.max_compression_ratio * archive_size:
        raise _bomb(path.name, "whole archive compression ratio too high", limits)
    for info in infos:
        ratio_base = max(info.compress_size, 1)
        big = info.file_size > RATIO_FLOOR_BYTES
        if big and info.file_size > limits.max_compression_ratio * ratio_base:
            raise _bomb(path.name, f"member {info.filename!r} compression ratio too high", limits)


def _zip_member_kind(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return LINK
    if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return DEVICE
    return None


def _read_zip(path: Path, limits: Limits) -> Iterator[FileRecord | Skip]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailure(
            f"{path.name}: not a readable zip archive, truncated? ({exc})"
        ) from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        for info in infos:  # refuse a bad name before reading anything
            _check_member_name(path.name, info.filename)
        _zip_check_sizes(path, infos, limits)
        for info in infos:
            reason = _zip_member_kind(info)
            if reason is None and _is_nested_archive(info.filename):
                reason = NESTED_ARCHIVE
            if reason is None and info.file_size > limits.max_file_bytes:
                reason = TOO_LARGE
            if reason is not None:
                yield Skip(info.filename, reason)
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise ImportFailure(
                    f"{path.name}: member {info.filename!r} is corrupt or truncated ({exc})."
                ) from None
            yield _maybe_nested(info.filename, data)


def _maybe_nested(name: str, data: bytes) -> FileRecord | Skip:
    if data.startswith(ARCHIVE_MAGIC):
        return Skip(name, NESTED_ARCHIVE)
    return FileRecord(path=name, data=data, language=language_for(name))


class _BoundedGunzip:
    """A file-like gunzip that enforces total size and compression ratio as it reads.

    tarfile's stream mode reads through this, so the archive is never held in memory
    and a bomb is stopped as soon as it crosses a limit.
    """

    def __init__(self, raw: BinaryIO, name: str, limits: Limits) -> None:
        self.raw, self.name, self.limits = raw, name, limits
        self.inflater = zlib.decompressobj(wbits=31)
        self.bytes_in = self.bytes_out = 0
        self.buffer, self.position = b"", 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) - self.position < size:
            out = self._inflate_more()
            if out is None:
                break
            # Copy only when refilling, not on every small read.
            self.buffer, self.position = self.buffer[self.position :] + out, 0
        end = len(self.buffer) if size < 0 else self.position + size
        chunk = self.buffer[self.position : end]
        self.position += len(chunk)
        return chunk

    def _inflate_more(self) -> bytes | None:
        if self.inflater.unconsumed_tail:
            data = self.inflater.unconsumed_tail
        elif self.inflater.eof:
            data = self.inflater.unused_data.lstrip(b"\x00")
            if not data:
                return None
            self.inflater = zlib.decompressobj(wbits=31)  # a further gzip member follows
        else:
            data = self.raw.read(READ_CHUNK)
            if not data:
                raise ImportFailure(f"{self.name}: the archive is truncated (gzip ends early).")
            self.bytes_in += len(data)
        try:
            # Bounded output per call, so one small chunk of a bomb cannot fill memory.
            out = self.inflater.decompress(data, MAX_INFLATE_CHUNK)
        except zlib.error as exc:
            raise ImportFailure(f"{self.name}: not a valid gzip stream ({exc}).") from None
        self.bytes_out += len(out)
        self._check()
        return out

    def _check(self) -> None:
        if self.bytes_out > self.limits.max_archive_bytes:
            raise _bomb(self.name, f"more than {self.bytes_out} bytes uncompressed", self.limits)
        ratio_limit = self.limits.max_compression_ratio * max(self.bytes_in, 1)
        if self.bytes_out > RATIO_FLOOR_BYTES and self.bytes_out > ratio_limit:
            raise _bomb(self.name, "compression ratio too high", self.limits)


def _tar_member_skip(member: tarfile.TarInfo, limits: Limits) -> str | None:
    if member.issym() or member.islnk():
        return LINK
    if not member.isfile():
        return DEVICE
    if _is_nested_archive(member.name):
        return NESTED_ARCHIVE
    if member.size > limits.max_file_bytes:
        return TOO_LARGE
    return None


def _read_tar_gz(path: Path, limits: Limits, read_data: bool = True) -> Iterator[FileRecord | Skip]:
    last = "the first member"
    with path.open("rb") as raw:
        stream = _BoundedGunzip(raw, path.name, limits)
        try:
            with tarfile.open(fileobj=stream, mode="r|") as archive:  # type: ignore[call-overload]
                for member in archive:
                    _check_member_name(path.name, member.name)
                    last = f"member {member.name!r}"
                    if member.isdir():
                        continue
                    reason = _tar_member_skip(member, limits)
                    if reason is not None or not read_data:
                        yield Skip(member.name, reason or "")
                        continue
                    extracted = archive.extractfile(member)
                    data = extracted.read() if extracted else b""
                    yield _maybe_nested(member.name, data)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ImportFailure(
                f"{path.name}: the archive is truncated or corrupt near {last} ({exc})."
            ) from None
        except ImportFailure as exc:
            if "member" in str(exc):
                raise
            raise ImportFailure(f"{exc} Last member read: {last}.") from None


def _read_directory(path: Path, limits: Limits) -> Iterator[FileRecord | Skip]:
    for folder, dirnames, filenames in os.walk(path):
        dirnames.sort()
        here = Path(folder)
        for name in sorted(dirnames):
            if (here / name).is_symlink():
                yield Skip((here / name).relative_to(path).as_posix(), LINK)
        for name in sorted(filenames):
            yield _directory_entry(here / name, (here / name).relative_to(path).as_posix(), limits)


def _directory_entry(full: Path, relative: str, limits: Limits) -> FileRecord | Skip:
    info = full.lstat()
    if stat.S_ISLNK(info.st_mode):
        return Skip(relative, LINK)
    if not stat.S_ISREG(info.st_mode):
        return Skip(relative, DEVICE)
    if _is_nested_archive(relative):
        return Skip(relative, NESTED_ARCHIVE)
    if info.st_size > limits.max_file_bytes:
        return Skip(relative, TOO_LARGE)
    return _maybe_nested(relative, full.read_bytes())
