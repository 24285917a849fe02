"""benchmarks.sequence: the seq2seq phase of the benchmarks, run small."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.step import have_torch

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.torch  # times benchmarks.sequence's PyTorch contender where torch is installed
def test_the_sequence_section_times_the_engine_and_torch_where_installed(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--only", "sequence", "--rounds", "1",
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "s/epoch" in proc.stdout and "engine_1thread" in proc.stdout
    r = json.loads(out.read_text())["sequence"]
    v = r["contenders"]
    assert set(v) == ({"engine_1thread", "torch_1thread"} if have_torch() else {"engine_1thread"})
    for x in v.values():
        assert x["median_ms"] > 0 and abs(x["epoch_s"] - x["median_ms"] * 351 / 1e3) < 1e-9
    assert r["steps_per_sample"] == 1

