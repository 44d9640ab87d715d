"""Benchmark: one collect of every hostile case plus N valid returns.

Builds a temporary sample workspace, issues round 3, writes the hostile corpus
(``tests/hostile/make_corpus.py``) and N valid returns (default 50, cycling over
the centers the corpus leaves free, each with its own comment so every file is
new) into the inbox, then runs ``sheetflow collect WS --round 3 --json`` as a
subprocess and prints:

* wall time of the collect;
* peak memory of the whole process tree (the CLI and its forked reader
  workers): the largest single process (``ru_maxrss`` of the reaped tree, taken
  in a small wrapper so LibreOffice used while building the corpus does not
  count) and the largest sum over the tree (sampled from /proc every 20 ms);
* the verdict and finding codes of every hostile case against what it should get.

Not a test: it asserts nothing and exits 0 unless the collect itself fails to run.

    python3 bench/hostile.py            # 50 valid returns
    python3 bench/hostile.py --valid 200 --keep /tmp/hostile-ws
    python3 bench/hostile.py --without lying_zip_size.xlsx
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# tests/ for helpers and libreoffice; tests/hostile/ for make_corpus (this file is
# itself called "hostile", so the package name would find it instead).
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "hostile")]

from make_corpus import ALSO_ACCEPTED, FREE_CENTERS, make_corpus  # noqa: E402

from helpers import fill, inputs_of, issued_for  # noqa: E402
from sheetflow.issue import issue_round, safe_name  # noqa: E402
from sheetflow.register import init_workspace  # noqa: E402
from sheetflow.workspace import Workspace  # noqa: E402

# Runs the collect and reports the children's peak RSS (KiB) on stderr's last line.
WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=sys.stdout, stderr=sys.stderr)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'\\nPEAK_RSS_KIB={peak}', file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def valid_returns(ws: Workspace, count: int) -> list[Path]:
    """``count`` complete, valid returns, cycling over the corpus-free centers."""
    out = []
    for n in range(count):
        center = FREE_CENTERS[n % len(FREE_CENTERS)]
        _, layout = issued_for(ws, center)
        values: dict[str, object] = {a: "☺" for a in inputs_of(layout, "smiley")}
        values.update(
            {a: f"Går efter planen (svar {n + 1})." for a in inputs_of(layout, "comment")}
        )
        target = ws.inbox_dir(3) / f"valid_{n + 1:03d}_{safe_name(center)}.xlsx"
        out.append(fill(ws, center, values, target))
    return out


def _tree(root: int) -> list[int]:
    """``root`` and every live descendant (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rss_kib(pid: int) -> int:
    try:
        for line in Path("/proc", str(pid), "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process tree until stopped."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_sum = 0
        self.peak_processes = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            pids = _tree(self.pid)
            self.peak_sum = max(self.peak_sum, sum(_rss_kib(p) for p in pids))
            self.peak_processes = max(self.peak_processes, len(pids))
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def run_collect(ws: Workspace) -> tuple[dict, float, int, int, int, str, int]:
    """(json, seconds, peak single-process KiB, peak tree-sum KiB, processes, stderr, exit)."""
    sheetflow = shutil.which("sheetflow")
    cli = [sheetflow] if sheetflow else [sys.executable, "-m", "sheetflow"]
    cmd = [sys.executable, "-c", WRAPPER, *cli, "collect", str(ws.root), "--round", "3", "--json"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.monotonic() - start
    sampler.stop()
    lines = err.rstrip().splitlines()
    peak = int(lines[-1].split("=", 1)[1]) if lines and lines[-1].startswith("PEAK_RSS_KIB=") else 0
    stderr = "\n".join(lines[:-1])
    try:
        payload = json.loads(out)
    except ValueError:
        print(out[-2000:], stderr[-2000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"collect exited {proc.returncode} without JSON") from None
    # The wrapper itself is in the tree; it is a small python process.
    return payload, seconds, peak, sampler.peak_sum, sampler.peak_processes, stderr, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--valid", type=int, default=50, help="valid returns (default 50)")
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="CASE",
        help="leave this case file out (repeatable), to see what it costs",
    )
    args = parser.parse_args(argv)

    tmp = None
    if args.keep:
        if args.keep.exists():
            shutil.rmtree(args.keep)
        root = args.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="sheetflow-bench-")
        root = Path(tmp.name) / "ws"
    try:
        t0 = time.monotonic()
        ws = Workspace.at(root)
        init_workspace(ws, "sample")
        issue_round(ws, 3)
        notes: dict[str, str] = {}
        expected = make_corpus(ws, ws.inbox_dir(3), notes=notes)
        for name in args.without:
            (ws.inbox_dir(3) / name).unlink()
            del expected[name]
        valid = valid_returns(ws, args.valid)
        files = list(ws.inbox_dir(3).iterdir())
        size = sum(p.stat().st_size for p in files)
        print(
            f"built {len(expected)} hostile cases + {len(valid)} valid returns "
            f"({len(files)} files, {size / 2**20:.1f} MiB on disk) in {time.monotonic() - t0:.1f} s"
        )
        for name, note in notes.items():
            print(f"  {name}: {note}")

        payload, seconds, peak, tree_sum, procs, stderr, code = run_collect(ws)
        verdicts = {Path(f["file"]).name: f for f in payload["files"]}
        counts: dict[str, int] = {}
        for f in payload["files"]:
            counts[f["verdict"]] = counts.get(f["verdict"], 0) + 1

        print()
        print(f"{'case':42} {'expected':20} {'verdict':10} codes")
        mismatches = 0
        for name, want in expected.items():
            got = verdicts.get(name)
            codes = sorted({x["code"] for x in got["findings"]}) if got else ["(missing)"]
            ok_codes = {want} | ALSO_ACCEPTED.get(name, set()) if want else set()
            ok = got is not None and (
                set(codes) <= ok_codes and codes if want else got["verdict"] == "accepted"
            )
            mismatches += not ok
            mark = "ok" if ok else "MISMATCH"
            verdict = got["verdict"] if got else "-"
            print(f"{name:42} {want or 'accepted':20} {verdict:10} {', '.join(codes)}  {mark}")
        valid_names = {p.name for p in valid}
        valid_ok = sum(
            1
            for n in valid_names
            if verdicts.get(n, {}).get("verdict") in ("accepted", "superseded")
            and not [x for x in verdicts[n]["findings"] if x["severity"] == "error"]
        )

        print()
        print(
            f"files:            {len(payload['files'])}  "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
        print(f"valid returns ok: {valid_ok}/{len(valid)} (accepted, or superseded by a later one)")
        print(f"case mismatches:  {mismatches}/{len(expected)}")
        print(f"exit code:        {code}")
        print(f"wall time:        {seconds:.2f} s  (sheetflow collect, start to exit)")
        print(
            f"peak RSS:         {peak / 1024:.0f} MiB largest single process (ru_maxrss, reaped tree)"
        )
        print(
            f"                  {tree_sum / 1024:.0f} MiB largest sum over the tree (sampled, {procs} processes at most)"
        )
        print(
            f"stderr:           {len(stderr.splitlines())} lines"
            + (f", first: {stderr.splitlines()[0][:100]!r}" if stderr.strip() else "")
        )
        if args.keep:
            print(f"workspace kept:   {root}")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
