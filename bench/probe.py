"""One measurement in a fresh interpreter: prints JSON with seconds and peak RSS (KiB)."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    what, bib, profile, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    start = time.perf_counter()
    rebuilt = 0
    if what == "bare":
        import bibtexparser

        lib = bibtexparser.parse_file(str(bib))
        count = len(lib.entries)
    else:
        from pubsite import build

        result = build.build(bib, profile, out, ("html", "markdown"),
                             keep_going=True, quiet=True)
        count = result.publications
        rebuilt = result.patched
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"what": what, "seconds": seconds, "peak_kib": peak, "entries": count,
                      "rebuilt": rebuilt}))


if __name__ == "__main__":
    main()
