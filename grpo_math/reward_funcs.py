"""A recipe's `rewards` section -> the reward callables GRPOTrainer gets: each under its recipe key, with its weight,
kind and check flag, its kwargs bound, and its output checked (one finite number or None per completion).
"""

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping

from grpo_math.errors import RecipeError, did_you_mean
from grpo_math.registry import (
    ENTRY_KEYS,
    NOT_FORWARDED,
    absolute_ref,
    check_kind,
    kind_of,
    make_reward,
    parameters_of,
    required_columns,
    resolve,
)


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
        params = parameters_of(self.func)
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
        check_kind(kind, f"rewards.{key}.kind")
        ref = absolute_ref(ref)
        kwargs = {**_known_to_the_run(ref, settings or {}, kwargs, factory), **kwargs}
        func = make_reward(ref, kwargs, factory)
        _require_columns(key, ref, func, forwarded)
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
    params = parameters_of(obj) if factory else None
    return {k: v for k, v in settings.items() if params and k in params and k not in given}


def check_columns(funcs, columns: Iterable[str]) -> None:
    """The reward functions built for a plan find the columns they need in a dataset (its real column names)."""
    forwarded = sorted(set(columns) - set(NOT_FORWARDED))
    for func in funcs:
        _require_columns(func.__name__, func.ref, func.func, forwarded)


def _require_columns(key: str, ref: str, func, forwarded: list[str]) -> None:
    for column in required_columns(func):
        if column not in forwarded:
            raise RecipeError(
                f"reward {key!r} ({ref}) needs column {column!r}{did_you_mean(column, forwarded)}, "
                f"but the dataset's columns are: {', '.join(forwarded) or 'none'}"
            )
