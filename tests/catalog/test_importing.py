"""The pure import core: readers, checks, snippet cutting. No database."""

import gzip
import json
import os
import random
import tarfile
import zipfile

import pytest

from annotator.catalog import importing
from annotator.catalog.importing import (
    FileRecord,
    ImportFailure,
    ImportSummary,
    Limits,
    PreparedFile,
    Skip,
    count_lines,
    cut_snippets,
    iter_records,
    prepare_all,
    prepare_file,
)
from tests.catalog.archives import (
    add_zip_symlink,
    code_file,
    tar_entry,
    write_jsonl,
    write_tar_gz,
    write_zip,
)

LIMITS = Limits(max_file_bytes=10_000, max_line_chars=100)


def files_of(items):
    return [item for item in items if isinstance(item, FileRecord)]


def skips_of(items):
    return [item.reason for item in items if isinstance(item, Skip)]


# --- JSONL ------------------------------------------------------------------------------


def test_jsonl_reader_yields_records_with_optional_fields(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"content": "x = 1\n", "path": "a.py"},
            {"content": "y", "path": "b.go", "language": "Go", "license": "MIT",
             "repository": "org/repo"},
        ],
    )  # fmt: skip
    records = list(iter_records(path))
    assert records == [
        FileRecord(path="a.py", data="x = 1\n"),
        FileRecord(path="b.go", data="y", language="Go", license="MIT", repository="org/repo"),
    ]


def test_jsonl_reader_accepts_the_stacks_field_names(tmp_path):
    stack_row = {
        "content": "fn main() {}\n",
        "max_stars_repo_path": "src/main.rs",
        "max_stars_repo_name": "rustacean/hello",
        "max_stars_repo_licenses": ["MIT", "Apache-2.0"],
        "lang": "Rust",
    }
    (record,) = iter_records(write_jsonl(tmp_path / "stack.jsonl", [stack_row]))
    assert record == FileRecord(
        path="src/main.rs",
        data="fn main() {}\n",
        language="Rust",
        license="MIT, Apache-2.0",
        repository="rustacean/hello",
    )


def test_jsonl_reader_skips_blank_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('\n{"content": "a", "path": "a.py"}\n\n   \n')
    assert len(list(iter_records(path))) == 1


def test_malformed_json_line_names_its_line_number(tmp_path):
    path = tmp_path / "in.jsonl"
    good = json.dumps({"content": "a", "path": "a.py"})
    path.write_text(f"{good}\n{good}\n{{'content': broken\n{good}\n")
    with pytest.raises(ImportFailure, match=r"in\.jsonl, line 3: malformed JSON"):
        list(iter_records(path))


def test_jsonl_line_without_content_names_its_line(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [{"content": "a", "path": "a"}, {"path": "b.py"}])
    with pytest.raises(ImportFailure, match=r"line 2: missing or non-text 'content'"):
        list(iter_records(path))


def test_jsonl_line_that_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("[1, 2]\n")
    with pytest.raises(ImportFailure, match=r"line 1: expected a JSON object"):
        list(iter_records(path))


def test_jsonl_with_invalid_utf8_on_a_line_names_the_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"content": "a", "path": "a.py"}\n{"content": "\xff", "path": "b"}\n')
    with pytest.raises(ImportFailure, match=r"line 2"):
        list(iter_records(path))


def test_empty_jsonl_has_no_files(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    with pytest.raises(ImportFailure, match="no files"):
        list(iter_records(path))


def test_unsupported_suffix_is_refused(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(ImportFailure, match="unsupported input"):
        list(iter_records(path))


# --- zip --------------------------------------------------------------------------------


def test_zip_reader_yields_members_with_language(tmp_path):
    path = write_zip(tmp_path / "src.zip", {"pkg/a.py": b"a = 1\n", "pkg/b.ts": b"let b\n"})
    records = list(iter_records(path))
    assert [(r.path, r.data, r.language) for r in records] == [
        ("pkg/a.py", b"a = 1\n", "Python"),
        ("pkg/b.ts", b"let b\n", "TypeScript"),
    ]


def test_truncated_zip_is_a_clear_error(tmp_path):
    whole = write_zip(tmp_path / "whole.zip", {f"f{i}.py": code_file(i) for i in range(5)})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ImportFailure, match=r"cut\.zip: not a readable zip archive, truncated"):
        list(iter_records(cut))


def test_zip_member_with_corrupt_data_is_named(tmp_path):
    path = write_zip(tmp_path / "bad.zip", {"ok.py": code_file(1), "broken.py": code_file(2)})
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("broken.py")
    start = info.header_offset + 30 + len(info.filename) + 5
    raw[start : start + 20] = b"\xff" * 20
    path.write_bytes(bytes(raw))
    with pytest.raises(ImportFailure, match=r"member 'broken.py' is corrupt"):
        list(iter_records(path))


@pytest.mark.parametrize(
    ("member", "message"),
    [("../x.py", r"member '\.\./x\.py' points outside"), ("/etc/passwd", "absolute path")],
)
def test_zip_member_escaping_the_archive_is_refused(tmp_path, member, message):
    path = write_zip(tmp_path / "evil.zip", {"fine.py": b"a\n", member: b"root:x:0:0\n"})
    with pytest.raises(ImportFailure, match=message):
        list(iter_records(path))


def test_zip_bomb_by_compression_ratio_is_refused(tmp_path):
    path = write_zip(tmp_path / "bomb.zip", {"zeros.py": b"0" * 5_000_000})
    with pytest.raises(ImportFailure, match=r"bomb\.zip: .*compression ratio too high.*bomb"):
        list(iter_records(path, Limits(max_file_bytes=10_000_000, max_compression_ratio=200)))


def test_zip_over_total_uncompressed_size_is_refused(tmp_path):
    path = write_zip(tmp_path / "big.zip", {f"f{i}.py": code_file(i) for i in range(5)})
    with pytest.raises(ImportFailure, match="bytes uncompressed"):
        list(iter_records(path, Limits(max_archive_bytes=1000)))


def test_zip_symlink_member_is_skipped_as_link(tmp_path):
    path = write_zip(tmp_path / "links.zip", {"a.py": b"a = 1\n"})
    add_zip_symlink(path, "passwd.py", "/etc/passwd")
    items = list(iter_records(path))
    assert [r.path for r in files_of(items)] == ["a.py"]
    assert skips_of(items) == ["link"]


def test_nested_archive_in_zip_is_skipped(tmp_path):
    inner = write_zip(tmp_path / "inner.zip", {"x.py": b"x\n"}).read_bytes()
    renamed_gzip = gzip.compress(b"print(1)\n")
    path = write_zip(
        tmp_path / "outer.zip", {"a.py": b"a\n", "lib/inner.zip": inner, "data.py": renamed_gzip}
    )
    items = list(iter_records(path))
    assert [r.path for r in files_of(items)] == ["a.py"]
    assert skips_of(items) == ["nested_archive", "nested_archive"]


def test_zip_member_over_the_size_limit_is_skipped_unread(tmp_path):
    path = write_zip(tmp_path / "s.zip", {"big.py": code_file(1, lines=1000), "ok.py": b"ok\n"})
    items = list(iter_records(path, LIMITS))
    assert skips_of(items) == ["too_large"]


def test_empty_zip_has_no_files(tmp_path):
    path = write_zip(tmp_path / "empty.zip", {})
    with pytest.raises(ImportFailure, match=r"empty\.zip: no files"):
        list(iter_records(path))


# --- tar.gz -----------------------------------------------------------------------------


def test_tar_gz_reader_streams_members(tmp_path):
    members = {"src/a.py": b"a = 1\n", "src/b.rb": b"puts 1\n"}
    for name in ("src.tar.gz", "src.tgz"):
        records = list(iter_records(write_tar_gz(tmp_path / name, members)))
        assert [(r.path, r.data, r.language) for r in records] == [
            ("src/a.py", b"a = 1\n", "Python"),
            ("src/b.rb", b"puts 1\n", "Ruby"),
        ]


def test_truncated_tar_gz_is_a_clear_error_naming_the_member(tmp_path):
    members = {f"f{i}.py": os.urandom(3000).hex().encode() for i in range(6)}
    whole = write_tar_gz(tmp_path / "whole.tar.gz", members)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    with pytest.raises(ImportFailure, match=r"cut\.tar\.gz: .*truncated.*member 'f\d\.py'"):
        list(iter_records(cut))


def test_not_a_gzip_file_is_a_clear_error(tmp_path):
    path = tmp_path / "fake.tar.gz"
    path.write_bytes(b"this is not gzip at all" * 10)
    with pytest.raises(ImportFailure, match=r"fake\.tar\.gz: not a valid gzip stream"):
        list(iter_records(path))


@pytest.mark.parametrize(
    ("member", "message"),
    [("src/../../x.py", "points outside"), ("/etc/passwd", "absolute path")],
)
def test_tar_member_escaping_the_archive_is_refused(tmp_path, member, message):
    path = write_tar_gz(tmp_path / "evil.tar.gz", {"a.py": b"a\n", member: b"x\n"})
    with pytest.raises(ImportFailure, match=message):
        list(iter_records(path))


def test_tar_links_and_devices_are_skipped_and_counted(tmp_path):
    extra = [
        tar_entry("link.py", tarfile.SYMTYPE, "/etc/passwd"),
        tar_entry("hard.py", tarfile.LNKTYPE, "a.py"),
        tar_entry("dev/null", tarfile.CHRTYPE),
        tar_entry("pipe", tarfile.FIFOTYPE),
    ]
    path = write_tar_gz(tmp_path / "odd.tar.gz", {"a.py": b"a\n"}, extra)
    items = list(iter_records(path))
    assert [r.path for r in files_of(items)] == ["a.py"]
    assert skips_of(items) == ["link", "link", "device", "device"]


def test_nested_archive_in_tar_is_skipped(tmp_path):
    inner = write_tar_gz(tmp_path / "inner.tar.gz", {"x.py": b"x\n"}).read_bytes()
    path = write_tar_gz(tmp_path / "outer.tar.gz", {"a.py": b"a\n", "vendor/lib.tgz": inner})
    assert skips_of(iter_records(path)) == ["nested_archive"]


def test_tar_gz_bomb_by_ratio_is_refused_while_streaming(tmp_path):
    path = write_tar_gz(tmp_path / "bomb.tar.gz", {"zeros.py": b"\0" * 20_000_000})
    assert path.stat().st_size < 100_000
    with pytest.raises(ImportFailure, match=r"bomb\.tar\.gz: compression ratio too high"):
        list(iter_records(path, Limits(max_compression_ratio=100)))


def test_tar_gz_over_total_uncompressed_size_is_refused(tmp_path):
    path = write_tar_gz(tmp_path / "big.tar.gz", {f"f{i}.py": os.urandom(5000) for i in range(5)})
    with pytest.raises(ImportFailure, match="bytes uncompressed"):
        list(iter_records(path, Limits(max_archive_bytes=10_000)))


def test_empty_tar_gz_has_no_files(tmp_path):
    path = write_tar_gz(tmp_path / "empty.tar.gz", {})
    with pytest.raises(ImportFailure, match=r"empty\.tar\.gz: no files"):
        list(iter_records(path))


def test_count_records_knows_each_input(tmp_path):
    members = {f"f{i}.py": code_file(i, 3) for i in range(4)}
    assert importing.count_records(write_tar_gz(tmp_path / "a.tar.gz", members)) == 4
    assert importing.count_records(write_zip(tmp_path / "a.zip", members)) == 4
    jsonl = write_jsonl(tmp_path / "a.jsonl", [{"content": "a", "path": "a"}] * 3)
    assert importing.count_records(jsonl) == 3
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(b"\x1f\x8b garbage")
    assert importing.count_records(cut) is None


# --- directory ----------------------------------------------------------------------------


def test_directory_reader_walks_sorted_and_skips_links(tmp_path):
    root = tmp_path / "tree"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "b.py").write_bytes(b"b = 2\n")
    (root / "a.js").write_bytes(b"let a\n")
    (root / "pkg" / "link.py").symlink_to(root / "a.js")
    (root / "linked_dir").symlink_to(root / "pkg")
    (root / "vendor.zip").write_bytes(b"PK\x03\x04 whatever")
    items = list(iter_records(root))
    assert [(r.path, r.language) for r in files_of(items)] == [
        ("a.js", "JavaScript"),
        ("pkg/b.py", "Python"),
    ]
    assert sorted(skips_of(items)) == ["link", "link", "nested_archive"]


def test_empty_directory_has_no_files(tmp_path):
    with pytest.raises(ImportFailure, match="no files"):
        list(iter_records(tmp_path))


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ImportFailure, match="no such file"):
        list(iter_records(tmp_path / "nope.jsonl"))


# --- preparing a file -----------------------------------------------------------------------


def test_nul_bytes_mean_binary():
    assert prepare_file(FileRecord("x.py", b"ab\x00cd"), LIMITS) == Skip("x.py", "binary")
    assert prepare_file(FileRecord("x.py", "ab\x00cd"), LIMITS) == Skip("x.py", "binary")


def test_invalid_utf8_is_replaced_and_counted():
    prepared = prepare_file(FileRecord("x.py", b"caf\xe9 = 1\n\xff\xfe\n"), LIMITS)
    assert prepared.content == "caf\ufffd = 1\n\ufffd\ufffd\n"
    assert prepared.replacements == 3


def test_a_real_replacement_character_is_not_counted():
    prepared = prepare_file(FileRecord("x.py", "ok = '\ufffd'\n".encode() + b"\xff"), LIMITS)
    assert prepared.replacements == 1


def test_lone_surrogates_from_json_are_replaced_and_counted():
    prepared = prepare_file(FileRecord("x.py", "a = '\ud800\udc00'\n"), LIMITS)
    assert prepared.content == "a = '\ufffd\ufffd'\n"
    assert prepared.replacements == 2


def test_crlf_and_cr_become_lf():
    prepared = prepare_file(FileRecord("x.py", b"a\r\nb\rc\r\n\r\nd"), LIMITS)
    assert prepared.content == "a\nb\nc\n\nd"
    assert prepared.line_count == 5


def test_file_over_the_size_limit_is_skipped():
    assert prepare_file(FileRecord("x.py", b"a\n" * 5001), LIMITS).reason == "too_large"
    assert isinstance(prepare_file(FileRecord("x.py", b"a\n" * 5000), LIMITS), PreparedFile)


def test_size_limit_counts_utf8_bytes_of_text_records():
    assert prepare_file(FileRecord("x.py", "é" * 5001), LIMITS).reason == "too_large"


def test_line_over_the_length_limit_is_skipped():
    long_line = "x" * 101
    assert prepare_file(FileRecord("x.py", f"a\n{long_line}\nb\n"), LIMITS).reason == (
        "line_too_long"
    )
    assert isinstance(prepare_file(FileRecord("x.py", "a\n" + "x" * 100), LIMITS), PreparedFile)


@pytest.mark.parametrize("data", [b"", "", b"\n\n", " \t\r\n"])
def test_empty_or_blank_files_are_skipped(data):
    assert prepare_file(FileRecord("x.py", data), LIMITS) == Skip("x.py", "empty")


def test_language_comes_from_the_extension_unless_given():
    assert prepare_file(FileRecord("a/B.JAVA", "class B {}"), LIMITS).language == "Java"
    assert prepare_file(FileRecord("Dockerfile", "FROM x"), LIMITS).language == "Dockerfile"
    assert prepare_file(FileRecord("notes.unknown", "x"), LIMITS).language == ""
    assert prepare_file(FileRecord("a.h", "x", language="C++"), LIMITS).language == "C++"


def test_content_hash_is_sha256_of_normalised_content():
    crlf = prepare_file(FileRecord("a.py", b"x\r\n"), LIMITS)
    lf = prepare_file(FileRecord("b.py", "x\n"), LIMITS)
    assert crlf.content_hash == lf.content_hash
    assert len(lf.content_hash) == 64


def test_duplicates_are_skipped_within_the_import_and_against_existing_hashes():
    existing = prepare_file(FileRecord("old.py", "old\n"), LIMITS).content_hash
    records = [
        FileRecord("a.py", "same\n"),
        FileRecord("b.py", b"same\r\n"),  # same after normalising
        FileRecord("c.py", "old\n"),
        FileRecord("d.py", "new\n"),
        Skip("e.py", "link"),
    ]
    summary = ImportSummary()
    kept = list(prepare_all(records, limits=LIMITS, seen_hashes={existing}, summary=summary))
    assert [p.path for p in kept] == ["a.py", "d.py"]
    assert summary.files_imported == 2
    assert summary.files_skipped["duplicate"] == 2
    assert summary.files_skipped["link"] == 1
    assert summary.files_seen == 5


def test_summary_dict_lists_every_skip_reason():
    summary = ImportSummary(files_imported=2, snippets_created=3, replacements=1, bytes=10)
    summary.skip("binary")
    data = summary.as_dict()
    assert data["files_skipped"] == dict.fromkeys(importing.SKIP_REASONS, 0) | {"binary": 1}
    assert set(data) == {
        "files_imported", "files_skipped", "snippets_created", "decoding_replacements",
        "bytes", "seconds",
    }  # fmt: skip
    assert json.loads(json.dumps(data)) == data


# --- cutting snippets ----------------------------------------------------------------------


def test_a_final_line_without_newline_counts_as_a_line():
    assert count_lines("a\nb") == 2
    assert count_lines("a\nb\n") == 2
    assert count_lines("\n") == 1


def test_snippets_are_fifty_lines_except_the_last():
    content = "".join(f"line {i}\n" for i in range(1, 121))
    pieces = cut_snippets(content, lines=50)
    assert [(p.index, p.start_line, p.line_count) for p in pieces] == [
        (0, 1, 50),
        (1, 51, 50),
        (2, 101, 20),
    ]
    assert pieces[1].text.startswith("line 51\n")
    assert pieces[1].text.endswith("line 100\n")


def test_exactly_fifty_lines_make_one_snippet():
    assert len(cut_snippets("x\n" * 50)) == 1
    assert [p.line_count for p in cut_snippets("x\n" * 50 + "y")] == [50, 1]


def _random_file(rng: random.Random) -> str:
    alphabet = "abcdefgh \t{}();=é漢\u2028\x0c"
    lines = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for _ in range(rng.randint(1, 260))
    ]
    text = "\n".join(lines)
    return text + ("\n" if rng.random() < 0.5 else "")


def test_snippet_offsets_map_back_to_the_file_for_many_generated_files():
    rng = random.Random(20240501)
    for _ in range(400):
        content = _random_file(rng)
        if not content:
            continue
        lines = rng.choice([1, 3, 50])
        pieces = cut_snippets(content, lines=lines)
        assert "".join(p.text for p in pieces) == content
        assert sum(p.line_count for p in pieces) == count_lines(content)
        for p in pieces:
            assert content[p.start_offset : p.start_offset + len(p.text)] == p.text
            assert p.start_line == p.index * lines + 1
            assert p.line_count == count_lines(p.text)
            assert 1 <= p.line_count <= lines
        assert all(p.line_count == lines for p in pieces[:-1])


def test_reading_does_not_load_a_whole_tar_into_memory(tmp_path):
    """The gunzip wrapper hands tarfile bounded chunks, not the whole archive."""
    path = write_tar_gz(tmp_path / "t.tar.gz", {f"f{i}.py": code_file(i, 50) for i in range(30)})
    with path.open("rb") as raw:
        stream = importing._BoundedGunzip(raw, path.name, Limits())
        chunk = stream.read(512)
        assert len(chunk) == 512
        assert len(stream.buffer) <= importing.MAX_INFLATE_CHUNK
        rest = stream.read()
    with gzip.open(path) as whole:
        assert chunk + rest == whole.read()
