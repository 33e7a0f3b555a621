"""The package's module import graph has no circles, and the LLM chapters' modules import the package's own modules
only at module level (a function-local import is for an optional heavy dependency, never for dataopt itself)."""
import ast
from pathlib import Path
import dataopt

PKG = Path(dataopt.__file__).parent
MODULES = {p.stem: p for p in PKG.glob("*.py") if not p.stem.startswith("_")}
LLM_SIDE = ("llm", "kvscore", "kvzip", "kvpipeline", "kvtasks", "kvbench", "ccm", "ccmtasks", "ccmbench")


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


def test_llm_modules_have_no_circle_even_through_local_imports():
    graph = {m: own_imports(MODULES[m], module_level_only=False) - {m} for m in LLM_SIDE}
    graph = {m: deps & set(LLM_SIDE) | (deps - set(LLM_SIDE)) for m, deps in graph.items()}
    graph.update({d: set() for deps in list(graph.values()) for d in deps if d not in graph})
    assert cycles(graph) == []
    for m in LLM_SIDE:
        local = own_imports(MODULES[m], module_level_only=False) - own_imports(MODULES[m]) - {m}
        assert not local, f"dataopt.{m} imports {sorted(local)} inside a function"


def test_cycles_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
