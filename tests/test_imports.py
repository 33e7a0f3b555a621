"""The package's module import graph has no circles, and modules import the package's own modules at module level:
a function-local import is allowed only where the table below says why (deferring a heavy, optional dependency, or
naming a module's own function by its import path for spawned worker processes)."""
import ast
from pathlib import Path
import dataopt

PKG = Path(dataopt.__file__).parent
MODULES = {p.stem: p for p in PKG.glob("*.py") if not p.stem.startswith("_")}
# module -> {module imported inside a function: why}
LOCAL_ALLOWED = {
    "cli": {"models": "bench core only: the CLI's report and list commands need no network or torchvision",
            "train": "bench core only (train imports torchvision, scipy and the graph-cut library)"},
    "reproduce": {"data": "only the data check of `reproduce` loads datasets (torchvision)",
                  "llm": "only the LLM chapters' checks need transformers and gguf",
                  "train": "only the stamp's precision (train imports torchvision and the mixup methods)"},
    "puzzlemix": {"puzzlemix": "the graph-cut workers' functions by module path, importable in spawned processes"},
    "comixup": {"comixup": "Algorithm 3's worker function by module path, importable in spawned processes"},
}


def own_imports(path, module_level_only=True):
    "The package modules `path` imports (module level only, or everywhere)."
    tree = ast.parse(path.read_text())
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            name = node.module.split(".")
            if node.level == 1: out.add(name[0])
            elif name[0] == "dataopt" and len(name) > 1: out.add(name[1])
        elif isinstance(node, ast.ImportFrom) and node.level == 1:       # from . import x
            out.update(a.name for a in node.names)
    return out & set(MODULES)


def cycles(graph):
    found, state = [], {}
    def visit(u, stack):
        state[u] = "open"
        for v in sorted(graph[u]):
            if state.get(v) == "open": found.append(stack[stack.index(v):] + [v])
            elif v not in state: visit(v, stack + [v])
        state[u] = "done"
    for m in sorted(graph):
        if m not in state: visit(m, [m])
    return found


def test_module_level_imports_have_no_circle():
    graph = {m: own_imports(p) - {m} for m, p in MODULES.items()}
    assert cycles(graph) == []


def test_no_circle_even_through_local_imports():
    graph = {m: own_imports(p, module_level_only=False) - {m} for m, p in MODULES.items()}
    assert cycles(graph) == []


def test_local_imports_only_where_allowed():
    for m, p in MODULES.items():
        local = own_imports(p, module_level_only=False) - own_imports(p)
        extra = local - set(LOCAL_ALLOWED.get(m, {}))
        assert not extra, f"dataopt.{m} imports {sorted(extra)} inside a function"


def test_cycles_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
