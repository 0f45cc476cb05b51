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
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Mapping
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
    _check_kind(kind, "@reward(kind=...)")

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


def _check_kind(kind, where: str) -> None:
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


def _absolute(ref: str) -> str:
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
    params = _parameters(fn)
    return params is None or any(p.kind is p.VAR_KEYWORD or p.name in TRL_ARGS[:3] for p in params.values())


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return None


def _check_kwargs(ref: str, fn, kwargs: dict, reward: bool) -> None:
    params = _parameters(fn)
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
    params = _parameters(fn)
    return [] if params is None else [n for n in _required(params) if n not in TRL_ARGS]


class NamedReward:
    """A reward under its recipe key: TRL names metrics `rewards/<__name__>/...`, so `__name__` is the key.

    Drops kwargs the reward cannot take (a function without **kwargs), and pickles as (key, ref, kwargs), so it
    rebuilds in a spawned worker even when the reward came from a file path.
    """

    def __init__(self, name: str, ref: str, kwargs: dict | None = None, func: Callable | None = None,
                 factory: bool = False, kind: str | None = None, check: bool = True):  # fmt: skip
        self.__name__ = name
        self.ref, self.kwargs, self.factory, self.check = ref, dict(kwargs or {}), factory, check
        self.func = func if func is not None else make_reward(ref, self.kwargs, factory)
        self.kind = kind or kind_of(self.func)  # the recipe's kind:, else the reward's declared one
        params = _parameters(self.func)
        takes_all = params is None or any(p.kind is p.VAR_KEYWORD for p in params.values())
        self.accepts = None if takes_all else frozenset(params)

    def __call__(self, *args, **kwargs):
        completions = kwargs.get("completions", args[0] if args else None)
        if self.accepts is not None:
            kwargs = {k: v for k, v in kwargs.items() if k in self.accepts}
        return checked_scores(self.__name__, self.func(*args, **kwargs), completions)

    def __reduce__(self):
        return (type(self), (self.__name__, self.ref, self.kwargs, None, self.factory, self.kind, self.check))

    def __repr__(self):
        return f"{type(self).__name__}({self.__name__!r}, {self.ref!r}, {self.kwargs!r})"


class AsyncNamedReward(NamedReward):
    """NamedReward for an async reward, so TRL still sees a coroutine function and gathers it."""

    async def __call__(self, *args, **kwargs):
        if self.accepts is not None:
            kwargs = {k: v for k, v in kwargs.items() if k in self.accepts}
        completions = kwargs.get("completions", args[0] if args else None)
        return checked_scores(self.__name__, await self.func(*args, **kwargs), completions)


def checked_scores(name: str, scores, completions) -> list:
    """A reward's output as TRL needs it: one finite number (or None: not applicable) per completion.

    TRL turns None into NaN and averages around it, so a NaN or inf from a reward would train silently on
    garbage (inf) or be taken for "not applicable" (NaN): the step stops instead, naming the reward and the
    completion, because such a value is a bug in the reward, and a dropped value would hide it for the whole run.
    """
    n = None if completions is None else len(completions)
    if not isinstance(scores, (list, tuple)) or (n is not None and len(scores) != n):
        got = f"{len(scores)} values" if isinstance(scores, (list, tuple)) else type(scores).__name__
        raise RecipeError(
            f"reward {name!r} returned {got} for {n} completions: return one number (or None) per completion"
        )
    for i, value in enumerate(scores):
        if value is None:
            continue
        ok = isinstance(value, numbers.Real) or (hasattr(value, "__float__") and not isinstance(value, (str, bytes)))
        if not ok or not math.isfinite(float(value)):
            text = completions[i] if completions is not None else None
            text = text[-1]["content"] if isinstance(text, list) and text and isinstance(text[-1], dict) else text
            raise RecipeError(
                f"reward {name!r} returned {value!r} for completion {str(text)[:80]!r}: a reward returns finite "
                "numbers, or None where it does not apply"
            )
    return list(scores)


def _is_async(fn) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


def _plain(value):
    from omegaconf import DictConfig, ListConfig, OmegaConf

    return OmegaConf.to_container(value, resolve=True) if isinstance(value, (DictConfig, ListConfig)) else value


def build_reward_funcs(
    rewards_cfg: Mapping[str, Mapping], columns: Iterable[str], settings: Mapping | None = None
) -> tuple[list[Callable], list[float]]:
    """A recipe's `rewards` mapping -> (callables named by their keys, weights), for trl.GRPOTrainer.

    Each entry is {weight, fn (default: the key), kwargs}. Checks, before any model loads, that every reward
    resolves, takes the kwargs given, and finds each argument it requires among the dataset `columns`.
    `settings` (see `run_settings`): factory arguments the run already knows, used where the kwargs leave them out.
    """
    columns = set(columns)
    forwarded = sorted(columns - set(NOT_FORWARDED))
    funcs, weights = [], []
    for key, entry in _plain(rewards_cfg).items():
        entry = (
            {"weight": entry} if isinstance(entry, (int, float)) and not isinstance(entry, bool) else dict(entry or {})
        )
        for k in entry:
            if k not in ENTRY_KEYS:
                raise RecipeError(
                    f"unknown key rewards.{key}.{k}{did_you_mean(k, ENTRY_KEYS)}; valid: {', '.join(ENTRY_KEYS)}"
                )
        weight = entry.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise RecipeError(f"rewards.{key}.weight={weight!r} should be a number")
        ref, kwargs = entry.get("fn") or key, entry.get("kwargs") or {}
        factory, kind, check = bool(entry.get("factory")), entry.get("kind"), entry.get("check", True) is not False
        _check_kind(kind, f"rewards.{key}.kind")
        ref = _absolute(ref)
        kwargs = {**_known_to_the_run(ref, settings or {}, kwargs, factory), **kwargs}
        func = make_reward(ref, kwargs, factory)
        for column in required_columns(func):
            if column not in forwarded:
                raise RecipeError(
                    f"reward {key!r} ({ref}) needs column {column!r}{did_you_mean(column, forwarded)}, "
                    f"but the dataset's columns are: {', '.join(forwarded) or 'none'}"
                )
        named = AsyncNamedReward if _is_async(func) else NamedReward
        funcs.append(named(key, ref, kwargs, func, factory=factory, kind=kind, check=check))
        weights.append(float(weight))
    return funcs, weights


def run_settings(recipe) -> dict:
    """What a reward factory may take from the run itself: `max_completion_len` (soft_overlong) is the trainer's
    max_completion_length, so the two cannot drift apart when one is overridden on the command line."""
    from trl import GRPOConfig

    trainer = recipe.get("trainer") or {}
    return {"max_completion_len": trainer.get("max_completion_length", GRPOConfig.max_completion_length)}


def _known_to_the_run(ref: str, settings: Mapping, given: Mapping, factory: bool = False) -> dict:
    """The `settings` a factory or class takes by name and the recipe's kwargs leave out (reward functions get none:
    their extra parameters are dataset columns)."""
    if not settings:
        return {}
    obj = resolve(ref)
    factory = isinstance(obj, type) or factory or getattr(obj, "reward_factory", False)
    params = _parameters(obj) if factory else None
    return {k: v for k, v in settings.items() if params and k in params and k not in given}


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
