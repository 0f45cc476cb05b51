"""Reward names -> TRL reward callables: `register_reward`, entry points, `module:function` and `file.py:function`.

A recipe's `rewards` mapping names each reward by a registered name (the `grpo_math.rewards` entry-point group,
which is how the built-ins in rewards/ and third-party packages register, or `@register_reward` in code already
imported), by `package.module:function`, or by `path/to/file.py:function`. Entry points load lazily: only the
reward a recipe asks for is imported. Every mistake (unknown name, duplicate name, a kwarg the reward does not
take, a required argument that is not a dataset column) is a RecipeError before any model loads.

What may be registered:
- a reward function with TRL's signature `fn(completions, **columns) -> list[float | None]`; recipe kwargs are bound
  with functools.partial;
- a class whose instances are such callables: instantiated with the recipe kwargs (picklable, TRL's own style);
- a factory, declared as one (`@reward(factory=True)`, or `factory: true` in the recipe entry, e.g. for TRL's
  `get_soft_overlong_punishment`): called once with the kwargs, returns the reward.

A reward says what it is with `@reward(kind=...)` (or `register_reward(name, kind=...)`, or `kind:` in the recipe):
`correctness` (is the answer right), `format` (is the shape right) or `shaping` (length, repetition, ...). The reward
check holds correctness and format rewards to "gold scores best, adversarial worst"; the alarms read the kinds.
"""

import functools
import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

from grpo_math.errors import RecipeError, did_you_mean

ENTRY_POINT_GROUP = "grpo_math.rewards"
# What GRPOTrainer passes to every reward besides the dataset columns (trl GRPOTrainer._calculate_rewards).
TRL_ARGS = ("completions", "prompts", "completion_ids", "trainer_state", "log_extra", "log_metric")
# Dataset columns GRPOTrainer does not forward as kwargs: it passes them as prompts/completions instead.
NOT_FORWARDED = ("prompt", "completion", "completion_ids")
ENTRY_KEYS = ("weight", "fn", "kwargs", "kind", "factory", "check")
KINDS = ("correctness", "format", "shaping")

_registered: dict[str, object] = {}


def reward(kind: str | None = None, factory: bool = False):
    """Decorator: declare what a reward is (read wherever a recipe names it: entry point, module path or file)."""
    check_kind(kind, "@reward(kind=...)")

    def decorate(obj):
        obj.reward_kind, obj.reward_factory = kind, factory
        return obj

    return decorate


def register_reward(name: str, kind: str | None = None, factory: bool = False):
    """Decorator: make a reward function, reward class or reward factory available to recipes as `name`."""
    declare = reward(kind, factory)

    def decorate(obj):
        previous = _registered.get(name)
        if previous is not None and _origin(previous) != _origin(obj):  # re-importing the same module is no clash
            raise RecipeError(f"reward name {name!r} is registered twice: {_origin(previous)} and {_origin(obj)}")
        _registered[name] = declare(obj)
        return obj

    return decorate


def check_kind(kind, where: str) -> None:
    if kind is not None and kind not in KINDS:
        raise RecipeError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}{did_you_mean(str(kind), KINDS)}")


def kind_of(obj) -> str | None:
    """The declared kind of a reward, its factory or its class (None: not declared)."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return getattr(obj, "reward_kind", None) or getattr(type(obj), "reward_kind", None)


def _entry_points() -> dict[str, list]:
    """Installed entry points in the group, by name (a list: two packages may claim one name)."""
    from grpo_math import plugins

    return plugins.entry_points("rewards")


def available() -> list[str]:
    return sorted(set(_registered) | set(_entry_points()))


def _origin(obj) -> str:
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def _load_registered(name: str):
    points = _entry_points().get(name, [])
    if len(points) > 1:
        raise RecipeError(f"reward name {name!r} is claimed by several packages: {', '.join(p.value for p in points)}")
    if points:
        try:
            obj = points[0].load()
        except Exception as e:
            raise RecipeError(f"reward {name!r} (entry point {points[0].value}) fails to import: {e}") from e
        if name in _registered and _origin(_registered[name]) != _origin(obj):
            raise RecipeError(f"reward name {name!r} is both {points[0].value} and {_origin(_registered[name])}")
        return obj
    if name in _registered:
        return _registered[name]
    names = available()
    hint = "" if names else " (none installed: from a checkout, run `pip install -e .` to register the built-ins)"
    raise RecipeError(
        f"unknown reward {name!r}{did_you_mean(name, names)}; available: {', '.join(names) or '-'}{hint}; "
        "or give package.module:function or path/to/file.py:function"
    )


def _is_path(where: str) -> bool:
    return where.endswith(".py") or "/" in where or "\\" in where


def absolute_ref(ref: str) -> str:
    """`rewards/mine.py:f` -> `/abs/rewards/mine.py:f`, so a worker in another directory finds the same file."""
    where, sep, attr = ref.rpartition(":")
    return f"{Path(where).expanduser().resolve()}:{attr}" if sep and _is_path(where) else ref


def _load_module(where: str):
    if _is_path(where):
        path = Path(where).expanduser().resolve()
        if not path.is_file():
            raise RecipeError(f"reward file {where} does not exist (looked at {path})")
        name = f"grpo_math_user_rewards.{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:12]}"
        if name not in sys.modules:  # load once, so @register_reward in it runs once and pickling finds it
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as e:
                del sys.modules[name]
                raise RecipeError(f"reward file {path} fails to import: {e}") from e
        return sys.modules[name]
    try:
        return importlib.import_module(where)
    except ImportError as e:
        raise RecipeError(f"cannot import reward module {where!r}: {e}") from e


def resolve(ref: str):
    """The registered object (function, class or factory) for a recipe's `fn`."""
    if ":" not in ref:
        return _load_registered(ref)
    where, _, attr = ref.rpartition(":")
    obj = _load_module(where)
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_") and callable(getattr(obj, n, None))]
            raise RecipeError(f"{where} has no {attr!r}{did_you_mean(part, names)}")
        obj = getattr(obj, part)
    return obj


def _takes_completions(fn) -> bool:
    params = parameters_of(fn)
    return params is None or any(p.kind is p.VAR_KEYWORD or p.name in TRL_ARGS[:3] for p in params.values())


def parameters_of(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return None


def _check_kwargs(ref: str, fn, kwargs: dict, reward: bool) -> None:
    params = parameters_of(fn)
    if params is None:
        return
    named = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n not in TRL_ARGS]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values()) and not reward  # a reward's **kwargs = columns
    for key in kwargs:
        if key not in named and not takes_any:
            raise RecipeError(
                f"reward {ref!r} takes no kwarg {key!r}{did_you_mean(key, named)}; its kwargs: {', '.join(named) or 'none'}"
            )
    if not reward:
        missing = [n for n in _required(params) if n not in kwargs]
        if missing:
            raise RecipeError(
                f"reward {ref!r} needs kwargs {', '.join(missing)} (rewards.<key>.kwargs.{missing[0]}=...)"
            )


def get_reward(ref: str, **kwargs) -> Callable:
    """The reward callable for a registered name, `package.module:function` or `path/to/file.py:function`."""
    return make_reward(ref, kwargs)


def make_reward(ref: str, kwargs: dict, factory: bool = False) -> Callable:
    """Classes are instantiated with `kwargs`, factories (declared, or `factory`) called with them, reward
    functions get them bound."""
    obj = resolve(ref)
    if isinstance(obj, type):
        _check_kwargs(ref, obj, kwargs, reward=False)
        return obj(**kwargs)
    if not callable(obj):
        raise RecipeError(f"reward {ref!r} is {type(obj).__name__}, not a function or class")
    if factory or getattr(obj, "reward_factory", False):
        _check_kwargs(ref, obj, kwargs, reward=False)
        made = obj(**kwargs)
        if not callable(made):
            raise RecipeError(f"reward factory {ref!r} returned {type(made).__name__}, not a reward callable")
        if kind_of(obj) and not kind_of(made):
            made = _with_kind(made, kind_of(obj))
        return made
    if inspect.isroutine(obj) or isinstance(obj, functools.partial):
        if not _takes_completions(obj):
            raise RecipeError(
                f"reward {ref!r} takes neither completions, prompts, completion_ids nor **kwargs: a reward cannot be "
                f"called with it; if it makes the reward, declare it a factory (rewards.<key>.factory=true)"
            )
        _check_kwargs(ref, obj, kwargs, reward=True)
        return functools.partial(obj, **kwargs) if kwargs else obj
    if kwargs:  # an instance that is already a reward
        raise RecipeError(f"reward {ref!r} is a ready-made callable and takes no kwargs (got {', '.join(kwargs)})")
    return obj


def _with_kind(fn, kind: str):
    try:
        fn.reward_kind = kind
        return fn
    except AttributeError:  # a builtin or slotted callable: keep the kind on a wrapper
        return reward(kind)(functools.partial(fn))


def _required(params) -> list[str]:
    return [n for n, p in params.items() if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def required_columns(fn) -> list[str]:
    """Arguments a reward needs that only the dataset can supply (no default, not one of TRL's own)."""
    params = parameters_of(fn)
    return [] if params is None else [n for n in _required(params) if n not in TRL_ARGS]


def _first_line(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def list_rewards() -> list[tuple[str, str, str]]:
    """(name, source, first line of its docstring) for every registered reward; loads each entry point."""
    rows = []
    points = _entry_points()
    for name in available():
        if name in points:
            source = " | ".join(
                f"{p.value} ({p.dist.name if getattr(p, 'dist', None) else 'entry point'})" for p in points[name]
            )
        else:
            source = f"{_origin(_registered[name])} (@register_reward)"
        try:
            doc = _first_line(_load_registered(name))
        except RecipeError as e:
            doc = f"ERROR: {e}"
        rows.append((name, source, doc))
    return rows
