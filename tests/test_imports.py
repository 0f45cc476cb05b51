"""Nothing heavy at import: the CLI answers a typo before torch, TRL or wandb load, and vLLM only on request."""

import subprocess
import sys

HEAVY = ("torch", "transformers", "trl", "datasets", "wandb", "vllm", "peft", "math_verify")


def test_importing_the_package_and_cli_loads_nothing_heavy():
    code = (
        "import sys, grpo_math, grpo_math.recipe, grpo_math.cli, grpo_math.schema, grpo_math.prompts;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_is_reachable_lazily():
    import grpo_math

    assert callable(grpo_math.load_recipe)
    assert issubclass(grpo_math.RecipeError, ValueError)


def test_no_import_circle_anywhere_in_the_package():
    """Every `import grpo_math.x` / `from grpo_math.x import`, module level or inside a function, is an edge; the
    graph has no cycle, so the run path reads top to bottom."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    modules = {}
    for path in (root / "grpo_math").rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                edges |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names}
        graph[name] = sorted(e for e in edges if e in modules and e != name)

    state, path_now = {}, []

    def visit(node):
        state[node] = "open"
        path_now.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                raise AssertionError("import circle: " + " -> ".join(path_now[path_now.index(nxt) :] + [nxt]))
            if nxt not in state:
                visit(nxt)
        path_now.pop()
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node)
