"""The layout of the package: no module-level import cycle, the core knows no op, and an op
declared in one class (README's "Adding an op") is bound and property-tested with nothing added
anywhere else."""
import ast
import os
import re
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _imports(path, name, known):
    """The modules of `known` that module `name` imports at module level."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(n, ast.Import):
                found.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                base = n.module or ""
                if n.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - n.level + 1] + ([n.module] if n.module else []))
                found.add(base)
                found.update(f"{base}.{a.name}" for a in n.names)
            stack.extend(ast.iter_child_nodes(n))
    edges = set()
    for m in found:
        while m and m not in known:
            m = m.rpartition(".")[0]
        if m and m != name and not name.startswith(m + "."):  # a package's own __init__
            edges.add(m)
    return edges


def test_autograd_has_no_module_level_import_cycle():
    modules = {}
    for folder, _, files in os.walk(os.path.join(ROOT, "autograd")):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, f), ROOT)[:-3].replace(os.sep, ".")
                modules[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = os.path.join(folder, f)
    graph = {m: _imports(p, m, modules) for m, p in modules.items()}
    done, path = set(), []

    def visit(m):  # depth first; a module met again on the current path closes a cycle
        if m in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(m):] + [m]))
        if m in done:
            return
        path.append(m)
        for d in sorted(graph[m]):
            visit(d)
        path.pop()
        done.add(m)
    for m in sorted(graph):
        visit(m)
    assert "autograd.ops.elementwise" in graph and "autograd.tensor" not in graph["autograd.tensor"]
    # the core knows no op, and no tool
    for core in ("autograd.tensor", "autograd.function", "autograd.engine", "autograd.device", "autograd.anomaly"):
        assert not {d for d in graph[core] if d.startswith(("autograd.ops", "autograd.bindings",
                                                             "autograd.functions", "autograd.numpy_api",
                                                             "autograd.testing", "autograd.viz",
                                                             "autograd.gradcheck"))}, core


def test_an_op_declared_in_one_file_is_bound_and_property_tested():
    script = textwrap.dedent("""
        import numpy as np
        import autograd
        import autograd.functions as F
        from autograd import Tensor, testing
        from autograd.ops import OPS
        exec(COSH)                            # README's example, as a file of its own would run

        assert OPS["Cosh"] is Cosh and "cosh" in F.__all__
        x = Tensor([0.5, -1.0], requires_grad=True)
        for y in (F.cosh(x), x.cosh(), np.cosh(x)):
            assert type(y.grad_fn) is Cosh and np.allclose(y.data, np.cosh([0.5, -1.0]))
        F.cosh(x).sum().backward()
        assert np.allclose(x.grad.data, np.sinh([0.5, -1.0]))
        testing.check_op(Cosh, max_examples=25)

        class WrongCosh(Cosh):                # and the suite would catch a wrong one; a variant
            @staticmethod                     # takes none of its parent's names
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * (np.exp(x) + np.exp(-x)) / 2
        try:
            testing.check_op(WrongCosh, max_examples=25)
        except AssertionError as e:
            assert "check_op(WrongCosh): first derivatives" in str(e), e
        else:
            raise SystemExit("a wrong vjp passed")
        assert type(F.cosh(x).grad_fn) is Cosh and type(x.cosh().grad_fn) is Cosh and type(np.cosh(x).grad_fn) is Cosh
        print("ok")
    """)
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    cosh = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "class Cosh(Op):" in b)
    script = f"COSH = {cosh!r}\n" + script
    env = dict(os.environ, PYTHONPATH=ROOT)  # a fresh interpreter: Cosh is bound nowhere else
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr
