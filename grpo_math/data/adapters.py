"""The adapter registry: name -> how to get problems as {question, answer, solution, ...} records."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from grpo_math.errors import RecipeError, did_you_mean


@dataclass(frozen=True)
class Adapter:
    name: str
    records: Callable[..., Iterable[dict]]  # (source_cfg, seed) -> records with at least question and answer
    columns: tuple[str, ...]  # columns of the built dataset, besides `prompt`
    hub_id: str | None = None  # where real users get it; None = generated offline
    num_rows: dict | None = None  # known split sizes of the public dataset, for preflight without a download


def _registry() -> dict[str, Adapter]:
    from grpo_math.data import generators, gsm8k

    return {a.name: a for a in (gsm8k.ADAPTER, *generators.ADAPTERS)}


ADAPTERS = None


def get_adapter(name: str) -> Adapter:
    global ADAPTERS
    if ADAPTERS is None:
        ADAPTERS = _registry()
    if name not in ADAPTERS:
        raise RecipeError(
            f"unknown dataset adapter {name!r}{did_you_mean(name, ADAPTERS)}; available: {', '.join(ADAPTERS)}"
        )
    return ADAPTERS[name]
