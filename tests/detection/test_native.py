"""The detector compiled with mypyc (annotator/detection/native.py).

`make test` builds it before the suite runs, so the detector tests here and elsewhere
exercise the compiled modules; a pure-Python process is started to compare with.
"""

import json
import logging
import os
import subprocess
import sys

import annotator.detection
from annotator.demo.synthetic import generate_files
from annotator.detection import detect, native


def fake_package(tmp_path):
    sources, compiled = tmp_path / "detection", tmp_path / "detection" / "compiled"
    compiled.mkdir(parents=True)
    for name in native.MODULES:
        (sources / f"{name}.py").write_text(f"NAME = {name!r}\n")
    return sources, compiled


def record_build(sources, compiled):
    manifest = native.expected_manifest(sources)
    for name in [*native.MODULES, "_native__mypyc"]:
        (compiled / f"{name}{manifest['ext_suffix']}").write_bytes(b"")
    (compiled / native.MANIFEST).write_text(json.dumps(manifest))


def test_a_build_of_these_sources_is_used_and_nothing_else_is(tmp_path, monkeypatch, caplog):
    sources, compiled = fake_package(tmp_path)
    assert native.status(sources, compiled) == "absent"

    record_build(sources, compiled)
    path = [str(sources)]
    assert native.status(sources, compiled) == "compiled"
    assert native.use_compiled(path, sources, compiled) is True
    assert path == [str(compiled), str(sources)]

    (sources / "context.py").write_text("NAME = 'edited after the build'\n")
    path = [str(sources)]
    with caplog.at_level(logging.WARNING, logger="annotator.detection.native"):
        assert native.use_compiled(path, sources, compiled) is False
    assert path == [str(sources)]
    assert native.status(sources, compiled) == "stale"
    assert "make native" in caplog.text

    record_build(sources, compiled)
    monkeypatch.setenv(native.SWITCH, "0")
    assert native.status(sources, compiled) == "disabled"
    assert native.use_compiled(path, sources, compiled) is False


def test_a_build_missing_one_library_is_stale(tmp_path):
    sources, compiled = fake_package(tmp_path)
    record_build(sources, compiled)
    next(compiled.glob("context.*")).unlink()
    path = [str(sources)]
    assert native.status(sources, compiled) == "stale"
    assert native.use_compiled(path, sources, compiled) is False
    assert path == [str(sources)]


def test_the_command_reports_the_state_and_refuses_an_unknown_word(capsys):
    from annotator.detection.__main__ import main

    assert main(["status"]) == 0
    assert capsys.readouterr().out == f"detector: {native.status()}\n"
    assert main(["ensure"]) == 0  # the suite's build is fresh: nothing to do
    assert "compiled 12 modules" not in capsys.readouterr().out
    assert main(["rebuild"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_a_build_for_another_python_is_stale(tmp_path):
    sources, compiled = fake_package(tmp_path)
    manifest = native.expected_manifest(sources) | {"ext_suffix": ".cpython-312-x86_64.so"}
    (compiled / native.MANIFEST).write_text(json.dumps(manifest))
    assert native.status(sources, compiled) == "stale"


def test_the_suite_runs_the_compiled_detector():
    assert native.status() == "compiled", "run `make native` (make test does) before pytest"
    assert annotator.detection.COMPILED is True
    assert annotator.detection.context.__file__.endswith(".so")


def test_compiled_and_pure_python_detectors_find_the_same_spans():
    files = generate_files(60, seed=7)
    texts = [f.content for f in files]
    texts += ["x = 1\n", "\u0130STANBUL phone: +90 212 555 0101\n", "a" * 5000 + "@x.org\n"]
    script = (
        "import json, sys\n"
        "import annotator.detection as d\n"
        "assert d.COMPILED is False\n"
        "texts = json.load(sys.stdin)\n"
        "print(json.dumps([[s.as_dict() for s in d.detect(t)] for t in texts]))\n"
    )
    pure = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, native.SWITCH: "0"},
    )
    compiled = [[s.as_dict() for s in detect(t)] for t in texts]
    assert json.loads(pure.stdout) == compiled
    assert sum(map(len, compiled)) > 300  # the files carry PII of every category
