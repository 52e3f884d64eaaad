"""The rule-based detector compiled to C with mypyc, when it has been built.

The rule modules are plain, fully annotated Python. `python -m annotator.detection build`
compiles them with mypyc into C extensions that run the same code about 1.3-1.5x
faster, and puts them in `compiled/` beside this file with a manifest of what they were
built from; `ensure` (`make native`, which `make demo` and `make test` run) builds only
when there is no build matching the sources, every library present. On import
the package calls `use_compiled(__path__)`: it puts that folder first on the package's
search path, so that `annotator.detection.context` and its siblings load compiled, only
when the manifest matches the sources and this Python (version and extension suffix).
Otherwise (not built, a source edited since, another Python, ANNOTATOR_NATIVE_DETECTOR=0)
the package runs as pure Python, the same code and the same answers; a stale build is
logged, never loaded. This module and the package's `__init__` are never compiled.

    python -m annotator.detection ensure | build | status | clean   (__main__.py)
"""

import hashlib
import json
import logging
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

PACKAGE = "annotator.detection"
# Everything `detect()` runs; each imports only the standard library, hyperscan and
# its siblings here.
MODULES = (
    "types", "triggers", "context", "values", "assignments", "secrets", "passwords",
    "emails", "usernames", "ips", "ids", "names",
)  # fmt: skip
SOURCES = Path(__file__).resolve().parent
COMPILED = SOURCES / "compiled"
MANIFEST = "manifest.json"
GROUP = f"{PACKAGE}._native"  # mypyc's shared library: `_native__mypyc<EXT_SUFFIX>`
SWITCH = "ANNOTATOR_NATIVE_DETECTOR"


def expected_manifest(sources: Path = SOURCES) -> dict:
    """What a build made from these sources for this Python would record."""
    return {
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
        "python": sys.version.split()[0],
        "sources": {
            name: hashlib.sha256((sources / f"{name}.py").read_bytes()).hexdigest()
            for name in MODULES
        },
    }


def status(sources: Path = SOURCES, compiled: Path = COMPILED) -> str:
    """'compiled' (a build matching the sources), 'stale', 'absent' or 'disabled'."""
    if os.environ.get(SWITCH, "1") == "0":
        return "disabled"
    return build_state(sources, compiled)


def build_state(sources: Path = SOURCES, compiled: Path = COMPILED) -> str:
    """The build's state, whatever ANNOTATOR_NATIVE_DETECTOR says."""
    try:
        recorded = json.loads((compiled / MANIFEST).read_text())
    except (OSError, ValueError):
        return "absent"
    if recorded != expected_manifest(sources):
        return "stale"
    # Every library, or none is used: a missing module would load as Python beside
    # compiled siblings that expect its compiled classes.
    suffix = recorded["ext_suffix"]
    names = [*MODULES, GROUP.rsplit(".", 1)[1] + "__mypyc"]
    return "compiled" if all((compiled / f"{n}{suffix}").is_file() for n in names) else "stale"


def use_compiled(path: list[str], sources: Path = SOURCES, compiled: Path = COMPILED) -> bool:
    """Put the compiled modules first on the package's `path` if they can be used."""
    state = status(sources, compiled)
    if state == "stale":
        logger.warning(
            "The compiled detector in %s was built from other sources or for another "
            "Python; running the pure-Python detector. Run `make native` to rebuild it.",
            compiled,
        )
    if state != "compiled":
        return False
    path.insert(0, str(compiled))
    return True


def build(sources: Path = SOURCES, compiled: Path = COMPILED) -> None:
    """Compile MODULES with mypyc into `compiled`, replacing what was there.

    The manifest is written last, so an interrupted build leaves no usable folder.
    """
    from mypyc.build import mypycify  # the optional `native` dependencies
    from setuptools import Distribution

    shutil.rmtree(compiled, ignore_errors=True)
    manifest = expected_manifest(sources)
    root = sources.parent.parent  # mypy names the modules from the package's parent
    with tempfile.TemporaryDirectory(prefix="annotator-native-") as work:
        here = Path.cwd()
        os.chdir(root)
        try:
            paths = [str((sources / f"{name}.py").relative_to(root)) for name in MODULES]
            extensions = mypycify(
                [*paths, "--ignore-missing-imports"],
                group_name=GROUP,
                target_dir=str(Path(work) / "c"),
            )
            distribution = Distribution({"name": "annotator-native", "ext_modules": extensions})
            command = distribution.get_command_obj("build_ext")
            command.build_lib = str(Path(work) / "lib")
            command.build_temp = str(Path(work) / "temp")
            distribution.run_command("build_ext")
        finally:
            os.chdir(here)
        built = Path(work, "lib", *PACKAGE.split("."))
        compiled.mkdir(parents=True)
        for library in built.iterdir():
            shutil.copy2(library, compiled / library.name)
    (compiled / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
