"""One plugin mechanism: rewards, datasets and prompt styles are found by name in an entry-point group.

    [project.entry-points."grpo_math.datasets"]
    my_data = "my_pkg.data:MY_ADAPTER"          # a grpo_math.data.Adapter
    [project.entry-points."grpo_math.prompts"]
    my_style = "my_pkg.prompts:MY_STYLE"        # a grpo_math.prompts.PromptStyle
    [project.entry-points."grpo_math.rewards"]
    my_reward = "my_pkg.rewards:my_reward"      # see grpo_math.registry

The built-ins are registered in this package's own pyproject.toml exactly so; code that is already imported may
register in-process too (`register(kind, name, obj)`). Entry points load lazily: only what a recipe names.
"""

from grpo_math.errors import RecipeError, did_you_mean

GROUPS = {"rewards": "grpo_math.rewards", "datasets": "grpo_math.datasets", "prompts": "grpo_math.prompts"}
NOUNS = {"rewards": "reward", "datasets": "dataset", "prompts": "prompt style"}
INSTALL_HINT = " (none installed: from a checkout, run `pip install -e .` to register the built-ins)"

_registered: dict[str, dict] = {kind: {} for kind in GROUPS}


def entry_points(kind: str) -> dict[str, list]:
    """Installed entry points of a group, by name (a list: two packages may claim one name)."""
    from importlib.metadata import entry_points as installed

    found: dict[str, list] = {}
    for ep in installed(group=GROUPS[kind]):
        if all(ep.value != other.value for other in found.get(ep.name, [])):
            found.setdefault(ep.name, []).append(ep)
    return found


def register(kind: str, name: str, obj) -> None:
    previous = _registered[kind].get(name)
    if previous is not None and previous is not obj:
        raise RecipeError(f"{NOUNS[kind]} name {name!r} is registered twice")
    _registered[kind][name] = obj


def names(kind: str, points: dict | None = None) -> list[str]:
    return sorted(set(_registered[kind]) | set(entry_points(kind) if points is None else points))


def load_as(kind: str, name: str, expected: type):
    """`load`, and the object must be an `expected` (a dataset an Adapter, a prompt style a PromptStyle)."""
    obj = load(kind, name)
    if not isinstance(obj, expected):
        raise RecipeError(
            f"{NOUNS[kind]} {name!r} is a {type(obj).__name__}, not a {expected.__module__}.{expected.__name__}"
        )
    return obj


def load(kind: str, name: str, points: dict | None = None):
    """The object registered as `name`; a RecipeError naming the closest names when there is none."""
    points = entry_points(kind) if points is None else points
    claims = points.get(name, [])
    if len(claims) > 1:
        raise RecipeError(
            f"{NOUNS[kind]} name {name!r} is claimed by several packages: {', '.join(p.value for p in claims)}"
        )
    if claims:
        try:
            return claims[0].load()
        except Exception as e:
            raise RecipeError(f"{NOUNS[kind]} {name!r} (entry point {claims[0].value}) fails to import: {e}") from e
    if name in _registered[kind]:
        return _registered[kind][name]
    known = names(kind, points)
    raise RecipeError(
        f"unknown {NOUNS[kind]} {name!r}{did_you_mean(name, known)}; available: {', '.join(known) or '-'}"
        + ("" if known else INSTALL_HINT)
    )
