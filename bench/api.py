"""The pandas API and the exports at scale.

    python3 bench/api.py                # N = 200 centers x 40 initiatives
    python3 bench/api.py --sizes 50 200

Reuses bench/run.py's cached, issued and filled workspace for each N, collects
it once (in a copy), then times, each in a fresh process so peak RSS is that
step's own: ``sheetflow.open(ws).ratings()``, all four frames, and
``sheetflow export`` to .xlsx, .sqlite and .parquet. Prints one line per step.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import _child, prepare  # noqa: E402

STEP = """
import json, resource, sys, time
from pathlib import Path
import sheetflow
from sheetflow.export import export_tables
ws, step, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
t0 = time.perf_counter()
with sheetflow.open(ws) as fu:
    if step == "ratings":
        rows = len(fu.ratings())
    else:
        tables = fu.tables()
        rows = sum(len(t) for t in tables.values())
        if step != "frames":
            export_tables(tables, out / f"data.{step}")
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))
"""


def collected(cache: Path, n: int) -> Path:
    """The N workspace with round 3 collected (once, cached beside run.py's)."""
    root = prepare(cache, n)
    done = root / "collected"
    if not (done / ".complete").exists():
        shutil.rmtree(done, ignore_errors=True)
        shutil.copytree(root / "ws", done / "ws")
        from sheetflow.collect import collect_round
        from sheetflow.workspace import Workspace

        print(f"  collecting N={n} once (cached for next time)...", flush=True)
        collect_round(Workspace.at(done / "ws"), 3)
        (done / ".complete").write_text("ok")
    return done / "ws"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200])
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "sheetflow-bench"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        ws = collected(args.cache, n)
        print(f"N={n} centers ({n * 40} initiatives)")
        with tempfile.TemporaryDirectory() as scratch:
            for step in ("ratings", "frames", "xlsx", "sqlite", "parquet"):
                m = _child(STEP, str(ws), step, scratch)
                size = sum(p.stat().st_size for p in Path(scratch).glob(f"data*.{step}"))
                extra = f", {size / 1e6:.1f} MB written" if size else ""
                print(
                    f"  {step:8} {m['seconds']:6.2f} s  {m['rows']:>8} rows  "
                    f"peak {m['peak_mb']:.0f} MB{extra}"
                )


if __name__ == "__main__":
    main()
