"""Where the CPU goes in a load run: CPU seconds of the serving processes (descendants of a pid,
grouped by program) and of the PostgreSQL backends connected to the run's database.

    python scripts/load_cpu.py snapshot PID DATABASE_URL > before.json
    python scripts/load_cpu.py report PID DATABASE_URL before.json REPORT.json

`report` prints the CPU used since the snapshot per program and per acknowledged attempt, and adds
it to the simclient report (whose own `client_cpu_s` is the client's share). Linux /proc only.
"""
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import psycopg

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    # Fields after the command name, which is in parentheses and may contain spaces.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_s(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _program(pid: int) -> str:
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    names = [Path(a.decode()).name for a in argv if a]
    for name in ("gunicorn", "daphne", "celery"):
        if name in names:
            return name
    return names[0] if names else "?"


def snapshot(root: int, database_url: str) -> dict[str, float]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError):
                continue
    tree, frontier = set(), {root}
    while frontier:
        tree |= frontier
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - tree
    used: dict[str, float] = defaultdict(float)
    for pid in tree - {root}:
        try:
            used[_program(pid)] += _cpu_s(pid)
        except OSError:
            continue  # exited meanwhile
    with psycopg.connect(database_url) as connection:
        backends = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    for (pid,) in backends:
        try:
            used["postgres"] += _cpu_s(pid)
        except OSError:
            continue
    return dict(used)


def main(argv: list[str]) -> None:
    mode, pid, database_url = argv[0], int(argv[1]), argv[2]
    now = snapshot(pid, database_url)
    if mode == "snapshot":
        json.dump(now, sys.stdout)
        return
    before = json.loads(Path(argv[3]).read_text())
    report_path = Path(argv[4])
    report = json.loads(report_path.read_text())
    used = {name: round(seconds - before.get(name, 0.0), 2) for name, seconds in now.items()}
    used["client"] = report["client_cpu_s"]
    attempts = max(report["attempts_acknowledged"], 1)
    report["cpu_s"] = used
    report["cpu_ms_per_attempt"] = {name: round(1000 * s / attempts, 1) for name, s in used.items()}
    report_path.write_text(json.dumps(report, indent=1))
    total = sum(used.values())
    print(f"CPU during the run ({attempts} attempts): " + ", ".join(
        f"{name} {s:.1f} s ({1000 * s / attempts:.1f} ms/attempt)" for name, s in sorted(used.items())) +
        f"; total {1000 * total / attempts:.1f} ms/attempt", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
