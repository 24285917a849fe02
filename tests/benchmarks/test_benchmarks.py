"""Smoke tests of `python -m benchmarks.run`: it runs and reports positive numbers. Speeds are
never asserted: they depend on the machine and on whatever else it is doing."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_module(*args):
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_quick_run_writes_every_asked_section(tmp_path):
    out = tmp_path / "bench.json"
    # torch_1thread starts torch in a child process per sample: seconds that a smoke test can skip
    run_module("benchmarks.run", "--quick", "--only", "step,scalar,chain", "--skip", "torch_1thread",
               "--json", str(out))
    r = json.loads(out.read_text())
    assert r["plan"]["sections"] == ["step", "scalar", "chain"]
    assert "full" not in r and "busy" not in r
    assert r["machine"]["cpus"] > 0

    configs = r["step"]["configs"]
    assert len(configs) == 2
    for name, config in configs.items():
        contenders = config["contenders"]
        assert {"floor", "engine_sequential", "floor_1thread", "engine_sequential_1thread"} <= set(contenders)
        assert ("engine_twolayernet" in contenders) == (len(config["sizes"]) == 3), name
        assert "torch_1thread" not in contenders
        assert contenders["floor"]["ratio_to_floor"] == 1.0
        for label, v in contenders.items():
            assert v["median_us"] > 0 and v["min_us"] > 0 and v["ratio_to_floor"] > 0, (name, label)
            assert len(v["samples_us"]) == r["plan"]["rounds"]

    scalar = r["scalar"]["results"]
    assert "engine" in {v["contender"] for v in scalar}
    for v in scalar:
        assert v["nodes"] > 0
        assert v["forward_us_per_node"] > 0 and v["backward_us_per_node"] > 0

    chains = r["chain"]["results"]
    assert [c["nodes"] for c in chains] == [10**3, 10**4]
    for c in chains:
        assert c["forward_s"] > 0 and c["backward_s"] > 0 and c["peak_rss_bytes"] > 0
        assert c["us_per_node"] > 0


def test_step_child_reports_time_per_step():
    out = run_module("benchmarks.step", "--kind", "floor", "--sizes", "20,8,3", "--batch", "5",
                     "--dtype", "float32", "--budget", "0.01")
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer["s_per_step"] > 0 and answer["steps"] >= 1
