"""Short real-data checks through the public API; each fails unless accuracy is far above chance.

    python .ci/real_data.py [MAIN_JOB_LOG]

MAIN_JOB_LOG: the output of `python -m demos.train_mnist` run with nothing configured (the
README's first command): it must say what it trained on and reach the README's accuracy.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the demos run from the repository root
from demos import train_mnist  # noqa: E402
from nn.datasets import BUNDLED_DIR  # noqa: E402

failures = []


def check(what, ok, detail):
    print(f"{'ok' if ok else 'FAILED'}: {what}: {detail}", flush=True)
    if not ok:
        failures.append(what)


# The main job as a newcomer ran it: the bundled digits (or full MNIST, where a mirror answers).
if len(sys.argv) > 1:
    lines = Path(sys.argv[1]).read_text().splitlines()
    first = next((line for line in lines if line.startswith("MNIST")), "")  # after pip's output
    final = [line for line in lines if line.startswith("final:")]
    acc = float(re.search(r"test acc (\d\.\d+)", final[-1]).group(1)) if final else 0.0
    bundled = first.startswith("MNIST not found or downloadable: training on the bundled 10,000")
    check("main job says its data", bundled or first.startswith("MNIST: 60,000 training"), first)
    check("main job accuracy", acc >= (0.93 if bundled else 0.95), final[-1] if final else "no summary")

# Fashion-MNIST from Debian's dataset-fashion-mnist package: 2000 steps of the main job.
result = train_mnist.main(["--dataset", "fashion-mnist", "--iters", "2000", "--quiet"])
check("Fashion-MNIST, 2000 steps", result["test_acc"] > 0.75 and result["data"].where == "system",
      f"test acc {result['test_acc']:.4f} from {result['data'].directory}")

# A folder holding only the MNIST test set, named on the command line: split 8,000 / 2,000.
result = train_mnist.main(["--data-dir", str(BUNDLED_DIR), "--iters", "3000", "--quiet"])
source = result["data"]
check("t10k-only --data-dir, 3000 steps",
      result["test_acc"] > 0.9 and source.test_only and (source.n_train, source.n_test) == (8000, 2000),
      f"test acc {result['test_acc']:.4f}, {source.n_train} / {source.n_test} from {source.directory}")

sys.exit(f"real-data checks failed: {', '.join(failures)}" if failures else 0)
