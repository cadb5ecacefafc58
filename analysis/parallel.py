"""How many forked processes a CPU-bound step may use (chart drawing, comment segmentation)."""

from __future__ import annotations

import multiprocessing
import os
import threading


def fork_workers(limit: int) -> int:
    """The cores this process may run on, at most ``limit``; 1 (work here) when other threads run, because forking
    a threaded process can copy a lock another thread holds (a web server's threads, say), or without fork."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, limit))
