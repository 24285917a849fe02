"""What the benchmark modules share: child processes, BLAS thread limits, memory readings."""
import gc
import json
import os
import resource
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # optional: without it one-thread contenders run in child processes
    threadpool_info = threadpool_limits = None


def blas_limit(threads):
    """A context that limits BLAS to `threads` in this process (None: no limit)."""
    return threadpool_limits(threads, user_api="blas") if threads else nullcontext()


def run_child(module, args, threads=None, timeout=None):
    """Run `python -m module args` from the repository root and return the JSON it prints last.
    `threads` sets the BLAS thread count through the environment, read when NumPy loads."""
    env = dict(os.environ)
    if threads:
        env.update({var: str(threads) for var in THREAD_VARS})
    proc = subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        raise RuntimeError(f"python -m {module} {' '.join(map(str, args))} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peak_rss():
    """This process's peak resident memory in bytes. Linux: VmHWM from /proc, since ru_maxrss of
    a child starts at its parent's peak (it survives fork and exec); elsewhere ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024  # KiB on Linux, bytes on macOS


def current_rss():
    """Resident memory now in bytes, from /proc (Linux); None elsewhere."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def settle_gc():
    """Collect, then keep every object alive now out of later collections: those then scan only
    what the measured code creates, not what this process imported (torch brings many objects)."""
    gc.collect()
    gc.freeze()


def median(values):
    return float(np.median(values))


def emit(result):
    """A child's answer to run_child: one JSON line, last on stdout."""
    print(json.dumps(result), flush=True)
