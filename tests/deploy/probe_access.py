"""Try to read paths, as the account that runs this; print what happened as JSON.

    python probe_access.py PATH_OR_GLOB ...

For a folder: list it. For a file: read a byte. For a pattern with `*`: glob it and read each
match. Each path maps to "read" (it worked) or the error's name (PermissionError ...).
"""

import glob
import json
import os
import sys


def probe(path: str) -> str:
    try:
        if "*" in path:
            matches = glob.glob(path)
            if not matches:
                return "NoMatch"
            results = {probe(m) for m in matches}
            return "read" if "read" in results else sorted(results)[0]
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        return "read"
    except OSError as error:
        return type(error).__name__


if __name__ == "__main__":
    print(json.dumps({path: probe(path) for path in sys.argv[1:]}))
