"""Speed and memory of the engine beside a raw-NumPy floor, PyTorch and micrograd.

    python -m benchmarks.run                             # everything: 10-15 minutes on 2 cores
    python -m benchmarks.run --quick                     # a smoke run of a few seconds
    python -m benchmarks.run --only step,scalar --rounds 7 --json results.json
    python -m benchmarks.run --quick --only step --skip torch_1thread   # no torch child processes

Sections: step (one training step, contenders in alternation, medians over rounds, ratio to the
floor), full (10,000 iterations on Fashion-MNIST, a child process per run), scalar (us per node
of scalar graphs), chain (chains 10^4 and 10^6 deep: time per node and memory), busy (full
training beside one CPU-bound process, for 1 and 2 BLAS threads), conv (a SimpleConvNet step
beside a raw-NumPy im2col floor: time and memory), sequence (a PeekySeq2seq step of book 2, beside
PyTorch: time per step and per epoch). Tables go to stdout; the JSON goes to --json,
or to stdout after the tables.
"""
import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import sys

import numpy as np

from . import conv, full, graphs, sequence, step
from .common import threadpool_info

SECTIONS = ("step", "full", "scalar", "chain", "busy", "conv", "sequence")

# (sizes, batch, dtype) of the training-step configurations
STEP_CONFIGS = [((784, 50, 10), 100, "float64"), ((784, 50, 10), 100, "float32"),
                ((784, 1000, 1000, 10), 1000, "float32")]
QUICK_STEP_CONFIGS = [((64, 32, 10), 20, "float64"), ((64, 32, 32, 10), 20, "float32")]

PLANS = {  # what a full run and a --quick run measure
    "full": dict(rounds=5, budget_s=0.3, step_configs=STEP_CONFIGS, scalar_sizes=(10**4, 10**5),
                 chain_sizes=(10**4, 10**6), iters=10000, conv_budget_s=1.0, conv_dtypes=("float32", "float64"),
                 sequence_steps=20),
    "quick": dict(rounds=2, budget_s=0.01, step_configs=QUICK_STEP_CONFIGS, scalar_sizes=(10**3,),
                  chain_sizes=(10**3, 10**4), iters=200, conv_budget_s=0.01, conv_dtypes=("float32",),
                  sequence_steps=1),
}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, few rounds: a smoke run")
    p.add_argument("--rounds", type=int, help="rounds per measurement (default 5; --quick 2)")
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {','.join(SECTIONS)}")
    p.add_argument("--iters", type=int, help="iterations of full and busy training (default 10000)")
    p.add_argument("--json", metavar="PATH", help="write the results here instead of stdout")
    p.add_argument("--skip", default="", metavar="NAMES",
                   help=f"step contenders to leave out, comma-separated: {','.join(c[0] for c in step.CONTENDERS)}")
    p.add_argument("--threads-in-child", action="store_true",
                   help="time one-thread contenders in child processes even when threadpoolctl is there")
    args = p.parse_args(argv)
    args.only, args.skip = names(args.only), names(args.skip)
    unknown = sorted(set(args.only) - set(SECTIONS))
    if unknown:
        p.error(f"--only: unknown sections {unknown}; choose from {','.join(SECTIONS)}")
    if "floor" in args.skip or not set(args.skip) <= {c[0] for c in step.CONTENDERS}:
        p.error(f"--skip: {args.skip} are not all step contenders other than the floor")
    return args


def names(text):
    return [s.strip() for s in text.split(",") if s.strip()]


def machine():
    info = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "loadavg_start": os.getloadavg()}
    if threadpool_info is not None:
        info["blas"] = [{k: lib.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
                        for lib in threadpool_info() if lib["user_api"] == "blas"]
    for name in ("torch", "micrograd", "threadpoolctl"):
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            info[name] = None
    return info


def run_section(name, plan, args):
    rounds, iters = plan["rounds"], plan["iters"]
    if name == "step":
        return step.bench_steps(plan["step_configs"], rounds, plan["budget_s"], args.threads_in_child,
                                args.skip)
    if name == "full":
        return full.bench_full(iters, rounds)
    if name == "scalar":
        return graphs.bench_scalar(plan["scalar_sizes"], rounds)
    if name == "chain":
        return graphs.bench_chain(plan["chain_sizes"], rounds)
    if name == "conv":
        return conv.bench_conv(rounds, plan["conv_budget_s"], plan["conv_dtypes"], args.skip)
    if name == "sequence":
        return sequence.bench_sequence(rounds, plan["sequence_steps"], args.skip)
    return full.bench_busy(iters)


# --- tables --------------------------------------------------------------------------------------

def cell(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 10 else f"{v:.0f}"
    return str(v)


def table(headers, rows):
    rows = [[cell(v) for v in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *rows)]
    for row in [headers, ["-" * w for w in widths], *rows]:  # first column left, the rest right
        print("  ".join([row[0].ljust(widths[0])] + [x.rjust(w) for x, w in zip(row[1:], widths[1:])]))


def mib(n):
    return None if n is None else n / 2**20


def print_section(name, r):
    if name == "step":
        for config, c in r["configs"].items():
            print(f"\n{config}   (one thread via {c['one_thread_by']})")
            table(["contender", "median us/step", "min us/step", "x floor"],
                  [[label, v["median_us"], v["min_us"], v["ratio_to_floor"]]
                   for label, v in c["contenders"].items()])
    elif name == "full":
        table(["contender", "dtype", "BLAS threads", "wall s", "steps/s", "train-only steps/s",
               "train acc", "test acc", "peak RSS MiB"],
              [[v["contender"], v["dtype"], v["blas_threads"], v["wall_s"], v["steps_per_s"],
                v["train_only_steps_per_s"], v["train_acc"], v["test_acc"], mib(v["peak_rss_bytes"])]
               for v in r["results"]])
    elif name == "scalar":
        print(r["graph"])
        table(["nodes", "contender", "forward us/node", "backward us/node", "total us/node"],
              [[v["nodes"], v["contender"], v["forward_us_per_node"], v["backward_us_per_node"],
                v["total_us_per_node"]] for v in r["results"]])
    elif name == "conv":
        conv.print_conv(r)
    elif name == "sequence":
        sequence.print_sequence(r)
    elif name == "chain":
        table(["nodes", "forward s", "backward s", "us/node", "RSS before MiB", "RSS with graph MiB",
               "peak RSS MiB", "graph bytes/node"],
              [[v["nodes"], v["forward_s"], v["backward_s"], v["us_per_node"], mib(v["base_rss_bytes"]),
                mib(v["rss_with_graph_bytes"]), mib(v["peak_rss_bytes"]), v.get("graph_bytes_per_node")]
               for v in r["results"]])
    else:
        print(f"competitor: {r['competitor']}")
        table(["contender", "dtype", "BLAS threads", "quiet s", "busy s", "slowdown"],
              [[v["contender"], v["dtype"], v["blas_threads"], v["quiet_s"], v["busy_s"], v["slowdown"]]
               for v in r["results"]])


def main(argv=None):
    args = parse_args(argv)
    plan = dict(PLANS["quick" if args.quick else "full"])
    plan["rounds"] = args.rounds or plan["rounds"]
    plan["iters"] = args.iters or plan["iters"]
    result = {"machine": machine(), "plan": {"rounds": plan["rounds"], "iters": plan["iters"],
                                             "quick": args.quick, "sections": args.only}}
    m = result["machine"]
    print(f"{m['date']}  {m['platform']}  {m['cpus']} CPUs  numpy {m['numpy']}  torch {m['torch']}  "
          f"load average {' '.join(f'{x:.2f}' for x in m['loadavg_start'])}", flush=True)
    for name in args.only:
        load = os.getloadavg()
        result[name] = run_section(name, plan, args)
        result[name]["loadavg_before_after"] = [load, os.getloadavg()]
        print(f"\n== {name} (load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}) ==")
        print_section(name, result[name])
        sys.stdout.flush()
    m["loadavg_end"] = os.getloadavg()
    text = json.dumps(result, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
        print(f"\nJSON written to {args.json}")
    else:
        print("\n" + text)
    return result


if __name__ == "__main__":
    main()
