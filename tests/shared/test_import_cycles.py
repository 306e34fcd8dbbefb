"""No module of the project imports a module that imports it back, directly or through others.

The layers contract (pyproject.toml, checked by `lint-imports`) keeps the apps in order; this test
looks inside them too, module by module: a circle is a strongly connected set of modules in the
import graph (imports inside functions count, as they do for import-linter)."""

import tomllib
from pathlib import Path

import grimp
import pytest

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]

# Circles accepted for now, each a frozenset of modules, with the reason and the issue removing it.
# Empty: the services<->tasks circles (attraction, dispatch, notifications) were removed by
# enqueueing tasks by name, and dispatch.schedules no longer calls back into dispatch.services.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def root_packages():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["root_packages"]


def import_cycles(graph):
    """Tarjan's strongly connected components (iterative), keeping those of two or more modules."""
    edges = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            for i in range(position, len(edges[node])):
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((node, i + 1))
                    work.append((nxt, 0))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(frozenset(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return cycles


def describe(graph, cycle):
    lines = []
    for importer in sorted(cycle):
        for imported in sorted(set(graph.find_modules_directly_imported_by(importer)) & cycle):
            details = graph.get_import_details(importer=importer, imported=imported)
            where = ", ".join(f"l.{d['line_number']}" for d in details)
            lines.append(f"  {importer} -> {imported} ({where})")
    return "\n".join(lines)


def test_the_cycle_finder_finds_a_circle_through_three_modules():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z", "a.w"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    graph.add_import(importer="a.w", imported="a.x")  # imports into the circle, not part of it
    assert import_cycles(graph) == [frozenset({"a.x", "a.y", "a.z"})]


def test_no_module_imports_a_module_that_imports_it_back():
    graph = grimp.build_graph(*root_packages(), include_external_packages=False)
    assert len(graph.modules) > 100  # the project's modules were found, not an empty graph
    new = [cycle for cycle in import_cycles(graph) if cycle not in KNOWN_CYCLES]
    assert not new, "import circles:\n" + "\n\n".join(describe(graph, cycle) for cycle in new)
