"""Memory of a process tree from /proc (PSS: shared pages split between the processes that map them)."""

from __future__ import annotations

from pathlib import Path

from tests.servers import children, command, tree  # noqa: F401 (children, command: re-exported for benchmarks/load.py)


def rollup(pid: int) -> dict[str, int]:
    """smaps_rollup fields in kB (Rss, Pss, Pss_Anon, Pss_File, ...)."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, _, rest = line.partition(":")
            values[name.strip()] = int(rest.split()[0])
    except OSError:
        pass
    return values


def tree_memory(pid: int) -> dict:
    """{"processes": [...], "pss_mb", "pss_anon_mb", "pss_file_mb", "rss_mb"} of pid and all its descendants."""
    processes = []
    for each in tree(pid):
        values = rollup(each)
        if values:
            processes.append({"pid": each, "command": command(each), "pss_mb": values.get("Pss", 0) / 1024,
                              "pss_anon_mb": values.get("Pss_Anon", 0) / 1024,
                              "pss_file_mb": values.get("Pss_File", 0) / 1024, "rss_mb": values.get("Rss", 0) / 1024})
    total = {k: round(sum(p[k] for p in processes), 1) for k in ("pss_mb", "pss_anon_mb", "pss_file_mb", "rss_mb")}
    for process in processes:
        for key in ("pss_mb", "pss_anon_mb", "pss_file_mb", "rss_mb"):
            process[key] = round(process[key], 1)
    return {"processes": processes, **total}
