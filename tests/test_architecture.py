"""The package's import graph keeps the pipeline's direction (issue 20).

Layers, low to high: core < input < prepare < solve < interpret < output < studies < pipeline < api < cli, web
(the package's `__init__` and `__main__` sit with the CLI, at the top). The graph is read with `ast` from the
source, so it needs no import of quota_opt and sees imports under `TYPE_CHECKING` too. Three figures:

- import cycles among quota_opt's modules, counting every import that runs (at module level or inside a
  function; not those under `if TYPE_CHECKING:`, which only the type checker reads): 0;
- imports from a lower layer to a higher one: at most 3;
- imports inside functions, optional dependencies (dask, distributed) aside: at most 10.

`python tests/test_architecture.py` prints the figures and every offending import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "quota_opt"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE

LAYERS = ("core", "input", "prepare", "solve", "interpret", "output", "studies", "pipeline", "api", "cli")
# Top-level names that share a layer with another: the web layer sits beside the CLI, and so do the package's
# own `__init__` (which re-exports the library API) and `__main__`; `workbooks` is the library API's half that
# needs no solver.
SAME_LAYER_AS = {"web": "cli", "": "cli", "__main__": "cli", "workbooks": "api"}
OPTIONAL = ("dask", "distributed")  # imported where used, so that the package runs without them

# A ratchet: each figure may only go down. Issue 20's targets are 0 cycles, at most 3 upward imports and at most
# 10 imports inside functions; before its work (e1447c6) they were 3, 14 and 141, and 0, 2 and 33 before the CLI
# became a thin layer over the library API (4 now).
MAX_CYCLES = 0
MAX_UPWARD = 2  # interpret.whatif and studies.compare re-run the pipeline (a what-if, a case)
# all four in cli/, each keeping a layer out of --help: the entry point loading the command under its signal
# handlers (cli.main), and the command's lazy accessors for the library API (cli.app.library), its workbook half
# (cli.app.workbooks: validate, template and generate start without the solver stack) and the web layer
MAX_IN_FUNCTION = 4


@dataclass(frozen=True)
class Import:
    source: str  # importing module, e.g. quota_opt.solve.formulation
    target: str  # imported module (quota_opt's own) or top-level name of a third-party package
    line: int
    in_function: bool
    type_only: bool = False  # under `if TYPE_CHECKING:`: read by the type checker, never run


@dataclass
class Graph:
    modules: set[str] = field(default_factory=set)
    imports: list[Import] = field(default_factory=list)

    def own(self) -> list[Import]:
        return [i for i in self.imports if i.target in self.modules]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return LAYERS.index(SAME_LAYER_AS.get(top, top))


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = importer.split(".")
        anchor = anchor if is_package else anchor[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    # `from package import submodule` imports the submodule; `from module import name` the module.
    found = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
    return found or [base]


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _visit(graph: Graph, importer: str, is_package: bool, node: ast.AST, in_function: bool,
           type_only: bool = False) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            for target in _targets(child, importer, is_package, graph.modules):
                if not target.startswith(PACKAGE):
                    target = target.split(".")[0]
                graph.imports.append(Import(importer, target, child.lineno, in_function, type_only))
        inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        _visit(graph, importer, is_package, child, inner, type_only or _type_checking(child))


def build_graph() -> Graph:
    files = sorted(SRC.rglob("*.py"))
    graph = Graph(modules={module_name(p) for p in files})
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        _visit(graph, module_name(path), path.name == "__init__.py", tree, False)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted. Imports for the type
    checker only (`if TYPE_CHECKING:`) never run, so they make no cycle; they still count as upward imports."""
    edges: dict[str, set[str]] = {m: set() for m in graph.modules}
    for i in graph.own():
        if i.target != i.source and not i.type_only:
            edges[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def upward(graph: Graph) -> list[Import]:
    return [i for i in graph.own() if layer(i.source) < layer(i.target)]


def in_function(graph: Graph) -> list[Import]:
    return [i for i in graph.imports if i.in_function and i.target.split(".")[0] not in OPTIONAL]


def report(graph: Graph) -> str:
    lines = []
    found = cycles(graph)
    lines.append(f"import cycles: {len(found)}")
    lines += ["  " + " <-> ".join(c) for c in found]
    up = upward(graph)
    lines.append(f"imports from a lower layer to a higher one: {len(up)}")
    lines += [f"  {i.source}:{i.line} -> {i.target}" for i in up]
    inner = in_function(graph)
    lines.append(f"imports inside functions (optional dependencies aside): {len(inner)}")
    lines += [f"  {i.source}:{i.line} -> {i.target}" for i in inner]
    return "\n".join(lines)


def test_every_module_has_a_layer() -> None:
    graph = build_graph()
    for module in graph.modules:
        layer(module)  # raises ValueError for a top-level module outside LAYERS


def test_the_import_graph_keeps_the_pipeline_s_direction() -> None:
    graph = build_graph()
    print(report(graph))
    assert len(cycles(graph)) <= MAX_CYCLES, report(graph)
    assert len(upward(graph)) <= MAX_UPWARD, report(graph)
    assert len(in_function(graph)) <= MAX_IN_FUNCTION, report(graph)


def test_the_checker_sees_a_cycle_an_upward_import_and_an_import_in_a_function() -> None:
    graph = Graph(modules={"quota_opt.core.a", "quota_opt.core.b", "quota_opt.cli.app"})
    graph.imports = [
        Import("quota_opt.core.a", "quota_opt.core.b", 1, False),
        Import("quota_opt.core.b", "quota_opt.core.a", 1, True),
        Import("quota_opt.core.b", "quota_opt.cli.app", 2, False),
        Import("quota_opt.core.a", "dask", 3, True),
    ]
    assert cycles(graph) == [["quota_opt.core.a", "quota_opt.core.b"]]
    assert len(upward(graph)) == 1
    assert len(in_function(graph)) == 1


if __name__ == "__main__":
    print(report(build_graph()))
