"""Recipe = YAML (recipes/NAME.yaml or a path) + `key=value` / `~key` overrides, validated, defaults filled.

Every key is checked against grpo_math.schema (and `trainer` against TRL's config dataclass): a typo is an
error naming the closest valid key, never a silently ignored setting.
"""

import dataclasses
import types
import typing
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from grpo_math.errors import RecipeError, did_you_mean
from grpo_math.schema import MAPPING_VALUES, RecipeSchema

REPO_RECIPES = Path(__file__).resolve().parent.parent / "recipes"
LAUNCHERS = {"grpo": "launch/grpo.py", "sft": "launch/sft.py"}


def find_recipe(ref: str) -> Path:
    """`quickstart`, `recipes/quickstart.yaml` or any path to a YAML file."""
    candidates = [Path(ref), Path("recipes") / f"{ref}.yaml", REPO_RECIPES / f"{ref}.yaml", REPO_RECIPES / ref]
    for path in candidates:
        if path.is_file():
            return path
    names = sorted(p.stem for p in REPO_RECIPES.glob("*.yaml"))
    raise RecipeError(f"no recipe {ref!r}{did_you_mean(ref, names)}; available: {', '.join(names)} (or a .yaml path)")


def split_args(args: list[str]) -> tuple[str, list[str]]:
    """Pull `recipe=NAME` out of the command line; the rest are overrides."""
    refs = [a.split("=", 1)[1] for a in args if a.startswith("recipe=")]
    if len(refs) != 1:
        raise RecipeError("give exactly one recipe=NAME (e.g. recipe=quickstart), then any key=value overrides")
    overrides = [a for a in args if not a.startswith("recipe=")]
    for arg in overrides:
        if not arg.startswith("~") and "=" not in arg:
            raise RecipeError(f"cannot read {arg!r}: overrides are key=value (or ~key to delete a key)")
    return refs[0], overrides


def apply_overrides(cfg: DictConfig, overrides: list[str]) -> DictConfig:
    for arg in overrides:
        if arg.startswith("~"):
            parent_key, _, leaf = arg[1:].rpartition(".")
            parent = OmegaConf.select(cfg, parent_key) if parent_key else cfg
            if isinstance(parent, DictConfig) and leaf in parent:
                del parent[leaf]
            elif not _schema_has(arg[1:]):  # deleting a known key the YAML never set is a no-op; a typo is not
                raise RecipeError(f"cannot delete {arg[1:]!r}: the recipe has no such key")
        else:
            try:
                cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist([arg]))
            except OmegaConfBaseException as e:
                raise RecipeError(f"cannot apply override {arg!r}: {str(e).splitlines()[0]}") from None
    return cfg


def _schema_has(dotted: str) -> bool:
    schema = RecipeSchema
    for part in dotted.split("."):
        fields = {f.name: f for f in dataclasses.fields(schema)} if schema else {}
        if part not in fields:
            return False
        schema = _dataclass_in(typing.get_type_hints(schema)[part])
    return True


def load_recipe(args: list[str], trainer_fields: set[str] | None = None) -> DictConfig:
    """Load, override, validate and complete a recipe. `args` is the command line after the script name."""
    ref, overrides = split_args(args)
    path = find_recipe(ref)
    try:
        cfg = OmegaConf.load(path)
    except Exception as e:  # noqa: BLE001 -- YAML syntax: say which file and where
        raise RecipeError(f"cannot read recipe {path}: {str(e).splitlines()[0]}") from None
    if not isinstance(cfg, DictConfig):
        raise RecipeError(f"recipe {path} must be a YAML mapping of sections (model, data, rewards, trainer, ...)")
    cfg = apply_overrides(cfg, overrides)
    try:
        raw = OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as e:  # a ${...} interpolation that cannot be resolved
        key = getattr(e, "full_key", None)
        where = f" at {key}" if key else ""
        raise RecipeError(f"cannot resolve recipe {path}{where}: {str(e).splitlines()[0]}") from None
    raw["rewards"] = {
        k: ({"weight": v} if isinstance(v, (int, float)) else v) for k, v in raw.get("rewards", {}).items()
    }
    task = raw.get("task", "grpo")
    if task not in LAUNCHERS:
        raise RecipeError(f"task={task!r} is not one of {', '.join(LAUNCHERS)}")
    filled = complete(raw)
    _check_trainer_keys(filled["trainer"], trainer_fields or trl_config_fields(task))
    filled["name"] = filled["name"] or path.stem
    return OmegaConf.create(filled)


def complete(raw: dict) -> dict:
    """A recipe as a plain dict, checked against the schema, every default filled in."""
    return _fill(raw, RecipeSchema, "")


def trl_config_class(task: str):
    import trl

    return trl.GRPOConfig if task == "grpo" else trl.SFTConfig


def trl_config_fields(task: str) -> set[str]:
    from grpo_math.transformers_compat import recipe_field_names

    return recipe_field_names(trl_config_class(task))


def _check_trainer_keys(trainer: dict, valid: set[str]) -> None:
    for key in trainer:
        if key not in valid:
            raise RecipeError(f"unknown key trainer.{key}{did_you_mean(key, valid).replace('mean ', 'mean trainer.')}")


def _fill(node, schema, where: str) -> dict:
    """Check `node`'s keys against the dataclass `schema` and fill in its defaults, recursively."""
    if not isinstance(node, dict):
        raise RecipeError(f"{where or 'the recipe'} must be a mapping, got {node!r}")
    hints = typing.get_type_hints(schema)
    names = [f.name for f in dataclasses.fields(schema)]
    for key in node:
        if key not in names:
            close = did_you_mean(key, names)
            prefix = f"{where}." if where else ""
            raise RecipeError(
                f"unknown key {prefix}{key}{close.replace('mean ', 'mean ' + prefix)}; valid: {', '.join(names)}"
            )
    out = {}
    for f in dataclasses.fields(schema):
        path = f"{where}.{f.name}" if where else f.name
        value = node[f.name] if f.name in node else _default(f)
        sub = _dataclass_in(hints[f.name])
        if sub is not None and value is not None:
            value = _fill(value, sub, path)
        elif path in MAPPING_VALUES:
            if not isinstance(value, dict):
                raise RecipeError(f"{path} must be a mapping of name -> settings, got {value!r}")
            value = {k: _fill(v or {}, MAPPING_VALUES[path], f"{path}.{k}") for k, v in value.items()}
        else:
            _check_type(value, hints[f.name], path)
        out[f.name] = value
    return out


def _default(f):
    if f.default is not dataclasses.MISSING:
        return f.default
    value = f.default_factory()
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def _dataclass_in(hint):
    """The dataclass in `X` or `X | None`, else None."""
    for arg in (hint, *typing.get_args(hint)):
        if dataclasses.is_dataclass(arg):
            return arg
    return None


def _check_type(value, hint, path: str) -> None:
    if value is None or hint is typing.Any or value == "???":
        return
    allowed = (
        typing.get_args(hint)
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
        else (hint,)
    )
    for t in allowed:
        if t is type(None):
            continue
        if t is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return
        if t is int and isinstance(value, bool):
            continue
        if isinstance(value, typing.get_origin(t) or t):
            return
    names = " or ".join(getattr(t, "__name__", str(t)) for t in allowed if t is not type(None))
    raise RecipeError(f"{path}={value!r} should be {names}")


def save_recipe(recipe: DictConfig, output_dir: str | Path) -> Path:
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "recipe.yaml"
    path.write_text(to_yaml(recipe))
    return path


def to_yaml(recipe) -> str:
    return OmegaConf.to_yaml(recipe if isinstance(recipe, (DictConfig, ListConfig)) else OmegaConf.create(recipe))
