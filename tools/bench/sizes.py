"""Run inside the function image by the benchmark: the bytes each named distribution installed
under /var/task (the files its RECORD lists, and the byte-code compiled from them), and of each
named folder, as one JSON line on stderr. Sizes are the files' own (apparent) sizes.

Usage: python3 sizes.py <distribution or folder under /var/task> ...
(a name with a ``/`` is a folder.)
"""

import importlib.metadata
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(distribution: importlib.metadata.Distribution) -> set[Path]:
    """The files of ``distribution`` that exist, with the ``.pyc`` of each of its modules."""
    found = set()
    for record in distribution.files or ():
        path = Path(str(distribution.locate_file(record))).resolve()
        if path.is_file():
            found.add(path)
        if path.suffix == ".py":
            compiled = (
                path.parent / "__pycache__" / f"{path.stem}.{sys.implementation.cache_tag}.pyc"
            )
            if compiled.is_file():
                found.add(compiled)
    return found


def folder(path: Path) -> set[Path]:
    return {Path(top, name) for top, _, names in os.walk(path) for name in names}


def main() -> None:
    wanted = sys.argv[1:]
    by_name = {
        normalised(d.metadata["Name"]): d
        for d in importlib.metadata.distributions(path=[str(ROOT)])
    }
    figures = {}
    for name in wanted:
        if "/" in name:
            files = folder(ROOT / name)
        else:
            files = installed(by_name[normalised(name)]) if normalised(name) in by_name else set()
        figures[name] = sum(path.stat().st_size for path in files)
    figures["/var/task"] = sum(path.stat().st_size for path in folder(ROOT))
    print(json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main()
