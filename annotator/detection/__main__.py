"""`python -m annotator.detection ensure | build | status | clean`: the compiled detector
(native.py). `ensure` builds only when there is no build matching the sources."""

import shutil
import sys

from annotator.detection import native

USAGE = "usage: python -m annotator.detection ensure | build | status | clean"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "build" or (command == "ensure" and native.build_state() != "compiled"):
        try:
            native.build()
        except ImportError as error:  # mypy (the `native` extra) is not installed
            print(f"cannot compile the detector: {error}", file=sys.stderr)
            return 1
        print(f"compiled {len(native.MODULES)} modules into {native.COMPILED}")
    elif command == "clean":
        shutil.rmtree(native.COMPILED, ignore_errors=True)
    elif command not in ("status", "ensure"):
        print(USAGE, file=sys.stderr)
        return 2
    print(f"detector: {native.status()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
