"""The package's import graph: no circles, and no lazy imports of ganzoo in the training path.

Read from the source with `ast` (nothing is imported). Every `import` counts, also one
inside a function, since a lazy import that closes a circle is still a circle. Run it
as a script to print the graph's circles (none) and the lazy imports that remain:

    python tests/test_import_graph.py
"""
import ast
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ganzoo")

# The modules `AdversarialModel.fit` and `train_step` run through: they import what they
# use at the top, so the order of imports never decides whether training works.
TRAINING_PATH = ("ganzoo.gan", "ganzoo.guards", "ganzoo.resume", "ganzoo.training", "ganzoo.validation",
                 "ganzoo.losses", "ganzoo.layers", "ganzoo.models.cgan", "ganzoo.models.cyclegan",
                 "ganzoo.models.dcgan", "ganzoo.models.pix2pix", "ganzoo.models.srgan",
                 "ganzoo.models.translation", "ganzoo.models.vanilla", "ganzoo.models.wgan_gp")


def modules():
    """{dotted module name: path} of every .py file under ganzoo/."""
    out = {}
    for folder, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].split(os.sep)
                if rel[-1] == "__init__":
                    rel = rel[:-1]
                out[".".join(rel)] = path
    return out


def imports(path, known):
    """[(target module, lineno, lazy)] of the ganzoo modules that the file at `path` imports."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    lazy_nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lazy_nodes.update(id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
    out = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from a.b import c`: the module a.b.c when it is one, else a.b itself.
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                       for a in node.names]
        for t in targets:
            if t in known and t != "ganzoo":  # the package root only re-exports lazily (PEP 562)
                out.append((t, node.lineno, id(node) in lazy_nodes))
    return out


def graph():
    known = modules()
    return {m: imports(p, known) for m, p in known.items()}


def cycles(edges):
    """Every strongly connected component of more than one module (Tarjan), sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in {t for t, _, _ in edges.get(v, ())}:
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

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(out)


def test_the_package_has_no_import_circles():
    found = cycles(graph())
    assert found == [], f"import circles in ganzoo: {found}"


def test_the_cycle_finder_finds_a_planted_circle():
    # The check above must be able to fail: a two-module and a three-module circle.
    edges = {"a": [("b", 1, False)], "b": [("a", 1, True)], "c": [("d", 1, False)],
             "d": [("e", 1, False)], "e": [("c", 1, False)], "f": [("a", 1, False)]}
    assert cycles(edges) == [["a", "b"], ["c", "d", "e"]]


def test_training_path_imports_ganzoo_at_the_top():
    g = graph()
    path = set(TRAINING_PATH) | {m for m in g if m.startswith("ganzoo.models.")}  # every model, new ones too
    assert path >= set(TRAINING_PATH) and "ganzoo.models.dcgan" in path
    lazy = [(m, t, line) for m, es in g.items() if m in path for t, line, is_lazy in es if is_lazy]
    assert lazy == [], f"lazy imports of ganzoo modules in the training path (module, target, line): {lazy}"


if __name__ == "__main__":
    g = graph()
    print(f"{len(g)} modules, {sum(len(v) for v in g.values())} imports of ganzoo modules")
    print("circles:", cycles(g) or "none")
    for m in sorted(g):
        for t, line, is_lazy in g[m]:
            if is_lazy:
                print(f"lazy: {m}:{line} -> {t}")
