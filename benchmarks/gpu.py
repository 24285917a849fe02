"""The engine on a GPU (CuPy arrays behind the same op table), checked and timed in one run of a
few minutes:

1. the op table's property suite (testing.check_op over autograd.ops.OPS, float64, first and
   second derivatives against finite differences) with every op run on the GPU: its inputs are
   moved there and its output back, so forward, vjp and the vjp's own vjp run on CuPy arrays;
2. one training step of the book's SimpleConvNet and DeepConvNet (batch 100): the engine on the
   GPU against the engine on the CPU and PyTorch on the GPU, first the numbers (float64: loss and
   gradients from the same weights and batch), then the time (float32, SGD, medians);
3. `demos.train_convnet --device cuda` for one epoch: Fashion-MNIST where found, else the MNIST
   digits bundled with the package.

    python -m benchmarks.gpu [--out report.txt] [--examples 20] [--reps 30] [--fashion DIR]
    python -m benchmarks.gpu --device cpu --examples 2 --reps 1 --no-train   # the script itself, on a CPU
"""
import argparse
import inspect
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

import autograd.functions as F
from autograd import Tensor
from autograd.device import to_device
from nn import DeepConvNet, SimpleConvNet
from nn.optim import SGD

from .common import ROOT

FASHION = "/usr/share/datasets/fashion-mnist"
BUNDLED = os.path.join("nn", "data", "mnist-t10k")  # from the repository root, where the demo runs
BATCH = 100


class Report:
    """Lines printed as they come, and written to `path` as they come (a run stopped halfway
    keeps what it found)."""

    def __init__(self, path=None):
        self.file = open(path, "w") if path else None

    def __call__(self, line=""):
        print(line, flush=True)
        if self.file:
            self.file.write(line + "\n")
            self.file.flush()


# --- 0. the seam itself -----------------------------------------------------------------------

def seam_checks(report, device):
    """Tensors, gradients, errors, modules and files on the device: each line ok or what went wrong."""
    def check(what, fn):
        try:
            fn()
            report(f"  ok      {what}")
        except Exception as e:  # noqa: BLE001 (each check reports and the rest still run)
            report(f"  FAILED  {what}: {type(e).__name__}: {e}")

    def tensors():
        t = Tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
        assert t.device == device and f"device='{device}'" in repr(t) or device == "cpu", repr(t)
        (t * t).sum().backward()
        assert t.grad.device == device and to_device(t.grad.data, "cpu").tolist() == [2.0, 4.0, 6.0]
        c = Tensor([1.0, 2.0], requires_grad=True)
        c.to(device).exp().sum().backward()  # through the move and back
        assert c.grad.device == "cpu" and np.allclose(c.grad.data, np.exp([1.0, 2.0]))

    def scalars_and_indices():
        t = Tensor([2.5], device=device, requires_grad=True)
        assert (f"{t:.2f}", float(t), int(t), bool(t), round(t)) == ("2.50", 2.5, 2, True, 2)
        x = Tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
        index = to_device(np.array([0, 0, 2]), device)
        y = x[index]
        index[0] = 1  # changed after forward: backward uses the index forward used
        y.sum().backward()
        assert to_device(x.grad.data, "cpu").tolist() == [2.0, 0.0, 1.0]

    def mixing():
        if device == "cpu":
            return
        try:
            Tensor([1.0], device=device) + Tensor([1.0])
        except RuntimeError as e:
            assert device in str(e) and "cpu" in str(e), e
        else:
            raise AssertionError("no error for inputs on two devices")

    def anomaly():
        from autograd import detect_anomaly
        try:
            with detect_anomaly(), np.errstate(invalid="ignore"):
                Tensor([-1.0, 1.0], device=device).log()
        except FloatingPointError as e:
            assert "Log produced nan" in str(e), e
        else:
            raise AssertionError("no error for a NaN made on the device")

    def module_files():
        np.random.seed(0)
        net = SimpleConvNet().to(device)
        by_key(net)  # params still aliases the parameters' arrays
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "net.npz")
            net.save(path)
            with np.load(path) as f:
                assert all(type(f[k]) is np.ndarray for k in f.files)
            back = SimpleConvNet().load(path)
        x = batch(np.float64)[0][:5]
        a = to_device(net.predict(to_device(x, device)), "cpu")
        assert np.allclose(a, back.predict(x), rtol=1e-10, atol=1e-12)
        cpu = net.to("cpu")
        assert by_key(cpu)["W1"].data is cpu.params["W1"] and type(cpu.params["W1"]) is np.ndarray

    def train_mnist():
        cmd = [sys.executable, "-m", "demos.train_mnist", "--device", device, "--iters", "300", "--quiet"]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        report("          " + proc.stdout.strip().splitlines()[-1])

    report(f"the device seam on {device}:")
    check("Tensor(..., device=), .device, repr, backward on the device and through .to()", tensors)
    check("float(), int(), bool(), round(), format() of a one-element tensor; index arrays owned", scalars_and_indices)
    check("an op on inputs of two devices is an error naming both", mixing)
    check("detect_anomaly names the op that made a NaN on the device", anomaly)
    check("Module.to keeps params aliased; save writes NumPy; a CPU net loads it and predicts the same", module_files)
    check(f"demos.train_mnist --device {device} --iters 300", train_mnist)


# --- 1. the op table on the device ----------------------------------------------------------------

def on_device(op, device):
    """`op` with its array inputs moved to `device` and its output moved back: check_op's drawn
    NumPy inputs reach the op on the device, and gradients flow back through the moves."""
    def run(*args, **kwargs):
        out = op.apply(*[_moved(a, device) for a in args], **{k: _moved(v, device) for k, v in kwargs.items()})
        if out.device != device:
            raise AssertionError(f"{op.__name__} on {device} returned a tensor on {out.device}")
        return out.to("cpu")
    run.__name__ = op.__name__
    run.__signature__ = inspect.signature(op.forward).replace(
        parameters=list(inspect.signature(op.forward).parameters.values())[1:])  # without ctx
    return run


def _moved(a, device):
    if isinstance(a, Tensor):
        return a.to(device)
    if isinstance(a, np.ndarray):
        return to_device(a, device)
    if isinstance(a, tuple):  # an index
        return tuple(_moved(i, device) for i in a)
    return a


def op_suite(report, device, examples):
    try:
        from autograd import testing
    except ImportError as e:
        report(f"op table: not run, hypothesis is missing ({e})")
        return
    from autograd.ops import OPS
    report(f"op table on {device}: check_op over {len(OPS)} ops, float64 (and float32 kept), "
           f"{examples} examples each")
    failed, start = [], time.perf_counter()
    for name in sorted(OPS):
        op, t0 = OPS[name], time.perf_counter()
        try:
            testing.check_op(on_device(op, device), arguments=testing.op_arguments(op),
                             differentiable=op.differentiable,
                             second_order=op.second_order, max_examples=examples)
            verdict = "ok"
        except AssertionError as e:
            failed.append(name)
            verdict = "FAILED: " + str(e).replace("\n", "\n      ")[:3000]
        report(f"  {name:<13} {time.perf_counter() - t0:6.1f} s  {verdict}")
    report(f"op table: {len(OPS) - len(failed)} of {len(OPS)} passed in {time.perf_counter() - start:.0f} s"
           + (f"; failed: {', '.join(failed)}" if failed else ""))


# --- 2. one training step: engine (device, CPU) and PyTorch ----------------------------------------

NETS = {"SimpleConvNet": SimpleConvNet, "DeepConvNet": DeepConvNet}


def batch(dtype, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((BATCH, 1, 28, 28)).astype(dtype), rng.integers(0, 10, BATCH)


def by_key(net):
    """The book's keys (W1, b1, ...) -> the Parameter whose array net.params holds under the key."""
    params = net.parameters()
    found = {k: [p for p in params if p.data is a] for k, a in net.params.items()}
    if not all(len(ps) == 1 for ps in found.values()):
        raise AssertionError(f"params does not alias the parameters' arrays: {sorted(k for k, ps in found.items() if len(ps) != 1)}")
    return {k: ps[0] for k, ps in found.items()}


def engine_net(name, dtype, device):
    np.random.seed(0)  # the same weights on every device
    return NETS[name](dtype=dtype).to(device)


def engine_loss(net, x, t, train):
    return net.loss_tensor(x, t, train_flg=train)  # loss() is the book's number; this keeps the graph


def engine_grads(net, x, t):
    """Loss and gradients of one evaluation-mode step (dropout deterministic), as NumPy."""
    net.zero_grad()
    loss = engine_loss(net, x, t, train=False)
    loss.backward()
    return float(loss.item()), {k: to_device(p.grad.data, "cpu") for k, p in by_key(net).items()}


def torch_forward(torch, name, params, x, train):
    """The book's networks written with torch.nn.functional, on the engine's weights (W of an
    affine layer is (in, out) as in the book). Dropout is the book's: no rescaling in training,
    times 1 - ratio in evaluation."""
    tf = torch.nn.functional

    def dropout(h):
        return h * (torch.rand_like(h) > 0.5) if train else h * 0.5
    if name == "SimpleConvNet":
        h = tf.max_pool2d(tf.relu(tf.conv2d(x, params["W1"], params["b1"])), 2, 2)
        h = tf.relu(h.flatten(1) @ params["W2"] + params["b2"])
        return h @ params["W3"] + params["b3"]
    h = x
    for i, pad in enumerate((1, 1, 1, 2, 1, 1), start=1):
        h = tf.relu(tf.conv2d(h, params[f"W{i}"], params[f"b{i}"], padding=pad))
        if i % 2 == 0:
            h = tf.max_pool2d(h, 2, 2)
    h = dropout(tf.relu(h.flatten(1) @ params["W7"] + params["b7"]))
    return dropout(h @ params["W8"] + params["b8"])


def torch_params(torch, net):
    return {k: torch.tensor(to_device(p.data, "cpu"), device="cuda", requires_grad=True)
            for k, p in by_key(net).items()}


def compare_numbers(report, torch, device, name):
    x, t = batch(np.float64)
    cpu = engine_grads(engine_net(name, np.float64, "cpu"), x, t)
    dev = engine_grads(engine_net(name, np.float64, device), *(to_device(a, device) for a in (x, t)))
    rows = [("engine cpu", cpu), (f"engine {device}", dev)]
    if torch is not None:
        params = torch_params(torch, engine_net(name, np.float64, "cpu"))
        y = torch_forward(torch, name, params, torch.tensor(x, device="cuda"), train=False)
        loss = torch.nn.functional.cross_entropy(y, torch.tensor(t, device="cuda"))
        loss.backward()
        rows.append(("torch cuda", (loss.item(), {k: p.grad.cpu().numpy() for k, p in params.items()})))
    for label, (loss, grads) in rows[1:]:
        worst = max(float(np.max(np.abs(grads[k] - cpu[1][k])) / (np.max(np.abs(cpu[1][k])) + 1e-300))
                    for k in cpu[1])
        report(f"  {name} float64, one step: {label} loss {loss:.15g} (engine cpu {cpu[0]:.15g}); "
               f"largest gradient difference to engine cpu {worst:.2g} (relative to each gradient's largest entry)")


def median_step(step, sync, reps, warmup=2):
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def engine_step(name, device, dtype):
    net = engine_net(name, dtype, device)
    opt = SGD(net.parameters(), lr=0.01)
    x, t = (to_device(a, device) for a in batch(dtype))

    def step():
        opt.zero_grad()
        engine_loss(net, x, t, train=True).backward()
        opt.step()
    return step


def torch_step(torch, name, dtype):
    params = torch_params(torch, engine_net(name, dtype, "cpu"))
    opt = torch.optim.SGD(list(params.values()), lr=0.01)
    x, t = batch(dtype)
    x, t = torch.tensor(x, device="cuda"), torch.tensor(t, device="cuda")

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(torch_forward(torch, name, params, x, train=True), t).backward()
        opt.step()
    return step


def step_times(report, torch, device, reps, cpu_reps):
    sync = _sync(device)
    report(f"one training step, batch {BATCH}, float32, SGD: median seconds ({reps} steps on the GPU, "
           f"{cpu_reps} on the CPU, after 2 untimed)")
    for name in NETS:
        row = {f"engine {device}": median_step(engine_step(name, device, np.float32), sync, reps)}
        if torch is not None:
            row["torch cuda"] = median_step(torch_step(torch, name, np.float32), torch.cuda.synchronize, reps)
        row["engine cpu"] = median_step(engine_step(name, "cpu", np.float32), lambda: None, cpu_reps, warmup=1)
        base = row[f"engine {device}"]
        report(f"  {name:<14}" + "  ".join(f"{k} {v * 1e3:8.2f} ms ({v / base:5.2f}x)" for k, v in row.items()))


def _sync(device):
    if device == "cpu":
        return lambda: None
    import cupy
    return cupy.cuda.Device().synchronize


# --- 3. the demo, one epoch ----------------------------------------------------------------------

def train_demo(report, device, timeout, fashion):
    if not os.path.isabs(fashion):  # given from where this started; the demo runs from the root
        fashion = os.path.relpath(os.path.abspath(fashion), ROOT)
    if os.path.isdir(os.path.join(ROOT, fashion)):
        data = ["--dataset", "fashion-mnist", "--data-dir", fashion]
        report(f"demos.train_convnet --device {device}, one epoch of Fashion-MNIST ({fashion}):")
    else:
        data = ["--data-dir", BUNDLED]
        report(f"demos.train_convnet --device {device}, one epoch: no Fashion-MNIST at {fashion}, "
               "so the MNIST digits bundled with the package:")
    cmd = [sys.executable, "-m", "demos.train_convnet", "--device", device, "--epochs", "1", "--quiet", *data]
    report("  $ python " + " ".join(cmd[1:]))
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        report(f"  stopped after {timeout} s")
        return
    for line in (proc.stdout + proc.stderr[-3000:]).strip().splitlines():
        report("  " + line)
    if proc.returncode:
        report(f"  exit status {proc.returncode}")


def versions(report, device):
    report(f"Python {platform.python_version()}, NumPy {np.__version__}")
    if device != "cpu":
        import cupy
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        report(f"CuPy {cupy.__version__}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}, GPU: {name}")
    try:
        import torch
    except ImportError:
        report("PyTorch: not installed (its columns are left out)")
        return None
    if not torch.cuda.is_available():
        report(f"PyTorch {torch.__version__}: no CUDA device (its columns are left out)")
        return None
    report(f"PyTorch {torch.__version__}, {torch.cuda.get_device_name()}")
    return torch


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__.split("\n")[0])
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                   help="where the engine's device columns run (cpu: to try the script itself)")
    p.add_argument("--examples", type=int, default=20, help="hypothesis examples per op")
    p.add_argument("--reps", type=int, default=30, help="timed steps on the GPU per contender")
    p.add_argument("--cpu-reps", type=int, default=3, help="timed steps on the CPU")
    p.add_argument("--no-ops", action="store_true", help="skip the op table")
    p.add_argument("--no-train", action="store_true", help="skip the one-epoch demo")
    p.add_argument("--train-timeout", type=int, default=150, help="seconds the demo may take")
    p.add_argument("--fashion", metavar="DIR", default=FASHION,
                   help="Fashion-MNIST's four files for the demo (else the bundled MNIST digits)")
    p.add_argument("--out", metavar="PATH", help="also write the report to PATH")
    args = p.parse_args(argv)
    report, start = Report(args.out), time.perf_counter()
    report(f"benchmarks.gpu, {time.strftime('%Y-%m-%d %H:%M')}")
    torch = versions(report, args.device)

    def numbers():
        report("one training step, float64 (dropout in evaluation mode): the same weights and batch")
        for name in NETS:
            compare_numbers(report, torch, args.device, name)
    sections = [lambda: seam_checks(report, args.device), numbers,
                lambda: step_times(report, torch, args.device, args.reps, args.cpu_reps)]
    if not args.no_train:
        sections.append(lambda: train_demo(report, args.device, args.train_timeout, args.fashion))
    if not args.no_ops:  # last: the longest
        sections.append(lambda: op_suite(report, args.device, args.examples))
    for section in sections:
        try:
            section()
        except Exception:  # noqa: BLE001 (the report shows it, and the other sections still run)
            report("  SECTION FAILED:\n" + traceback.format_exc())
    report(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
