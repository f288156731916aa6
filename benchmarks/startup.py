"""Start-up cost of the command: fresh processes of `unionwatch --help` and `unionwatch status`, against a bare
`python -c pass` measured in the same run (the machine's own floor).

    python benchmarks/startup.py [--runs 5]

Targets on a quiet machine: --help ≤ 0.3 s, status ≤ 0.6 s (median). The load average is printed with the
figures: on a busy machine every row grows, the bare interpreter's too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
UNIONWATCH = BIN / "unionwatch"


def timed(command: list[str], env: dict[str, str], cwd: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):  # status exits 1 when it finds a problem, as it does on a new store
            sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIONWATCH_")}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "feeds.toml").write_text('[[feed]]\nname = "x"\nurl = "http://127.0.0.1:9/rss"\n', encoding="utf-8")
        config = folder / "unionwatch.toml"
        config.write_text('feeds = "feeds.toml"\ndata_dir = "data"\ndigests_dir = "digests"\n', encoding="utf-8")
        subprocess.run([str(UNIONWATCH), "--config", str(config), "db", "upgrade"], env=env, capture_output=True)
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("unionwatch --help", [str(UNIONWATCH), "--help"]),
            ("unionwatch status", [str(UNIONWATCH), "--config", str(config), "status"]),
        ]
        load = " ".join(f"{n:.2f}" for n in os.getloadavg())
        print(f"{args.runs} fresh processes each; load average {load}; {os.cpu_count()} cores")
        for name, command in rows:
            times = timed(command, env, folder, args.runs)
            print(f"{name:20} min {min(times):.3f} s   median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
