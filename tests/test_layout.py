"""The layers as README's How it works draws them: no module imports another that imports
it back, the answering core knows nothing of HTTP, and the knowledge side nothing of the
app."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "ingest", "vectorstore", "prompts")


def imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            deps = set()
            for node in ast.parse(path.read_text("utf-8")).body:  # module level only
                if isinstance(node, ast.ImportFrom) and node.module:
                    deps.add(node.module)
                elif isinstance(node, ast.Import):
                    deps.update(alias.name for alias in node.names)
            found[name] = {d for d in deps if d.split(".")[0] in PACKAGES}
    return found


def test_no_import_circle() -> None:
    graph = imports()
    done: set[str] = set()

    def walk(module: str, path: tuple[str, ...]) -> None:
        for dependency in graph.get(module, ()):
            assert dependency not in path, " -> ".join((*path, dependency))
            if dependency in graph and dependency not in done:
                walk(dependency, (*path, dependency))
        done.add(module)

    assert len(graph) > 30
    for module in graph:
        walk(module, (module,))


def test_arrows_point_down() -> None:
    graph = imports()
    for module, dependencies in graph.items():
        for dependency in dependencies:
            if module.startswith(("ingest", "vectorstore")):
                assert not dependency.startswith("app"), (module, dependency)
            if module.startswith("app.core"):
                assert not dependency.startswith(("app.web", "app.tools", "app.api")), module
