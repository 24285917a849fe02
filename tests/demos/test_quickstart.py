"""The README's quick start and data examples, and the CI that proves them: the two commands CI
runs are the README's own, and the Data section's example runs as written."""
import importlib.util
import re
from pathlib import Path

import pytest

import nn.datasets as D

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def ci_module(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / ".ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_quick_start_is_two_commands_one_for_the_main_job_one_for_the_tests():
    commands = ci_module("quickstart").commands(README)
    assert len(commands) == 2
    setup_and_run, tests = (c.split("#")[0].strip() for c in commands)
    assert setup_and_run == "pip install -e . && python -m demos.train_mnist"
    assert tests == 'pip install -e ".[test,docs]" && python -m pytest -q'
    assert "apt-get" not in README.split("## Quick start")[1].split("```bash")[1].split("```")[0]


def test_ci_runs_the_readme_commands_in_a_fresh_clone_venv_and_home():
    assert 'python3 "$repo/.ci/quickstart.py" > "$work/quickstart.sh"' in CI
    assert 'done < "$work/quickstart.sh"' in CI
    assert re.search(r'inside newcomer bash -o pipefail -c "\$command"', CI)
    for fresh in ('git clone -q "$repo"', '"$2" -m venv "$dir/venv"', 'env -i ', 'HOME="$dir/home"'):
        assert fresh in CI
    assert "--system-site-packages" not in CI
    for package in ("dataset-fashion-mnist", "graphviz"):
        assert package in CI
    assert "apt-get update" in CI and ".ci/real_data.py" in CI and ".ci/pythons.py" in CI


def test_quickstart_reader_refuses_a_readme_without_the_section():
    quickstart = ci_module("quickstart")
    with pytest.raises(ValueError, match="no '## Quick start' section"):
        quickstart.commands("# title\n\n```bash\nls\n```\n")
    with pytest.raises(ValueError, match="no ```bash block"):
        quickstart.commands("## Quick start\n\ntext\n\n## Next\n")


@pytest.mark.parametrize("spec, expected", [(">=3.9", [(3, 9), (3, 13)]), (">=3.10,<3.13", [(3, 10), (3, 12)])])
def test_ci_pythons_are_the_oldest_and_newest_that_requires_python_covers(tmp_path, monkeypatch, spec, expected):
    pythons = ci_module("pythons")
    assert pythons.claimed()[0] == tuple(int(v) for v in re.search(
        r'requires-python = ">=(\d+)\.(\d+)', (ROOT / "pyproject.toml").read_text()).groups())
    fake = tmp_path / "pyproject.toml"
    fake.write_text(f'[project]\nrequires-python = "{spec}"\n')
    monkeypatch.setattr(pythons, "PYPROJECT", fake)
    assert pythons.claimed() == expected


def test_the_data_example_runs_as_written(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("AUTOGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(D, "MIRRORS", {"mnist": [], "fashion-mnist": []})
    block = next(b for b in re.findall(r"```python\n(.*?)```", README, re.S)
                 if b.startswith("from nn.datasets import load_mnist_bundled"))
    env = {}
    exec(block, env)
    assert env["x_train"].shape == (8000, 784) and env["t_train"].shape == (8000, 10)
    assert env["source"].where == "bundled"
    assert capsys.readouterr().out.startswith("MNIST not found or downloadable: training on the bundled")


def test_the_readme_credits_the_bundled_digits():
    for credit in ("Yann LeCun and Corinna Cortes", "CC BY-SA 3.0", "nn/data/mnist-t10k", "## More data"):
        assert credit in README
