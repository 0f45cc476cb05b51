"""Datasets by name -> how to get problems as {question, answer, solution, ...} records (grpo_math.plugins).

A third party's dataset is an Adapter registered under the `grpo_math.datasets` entry-point group, exactly as the
built-ins in gsm8k.py and generators.py are; its rows feed training and, through its `test` split, evaluation.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Adapter:
    name: str
    records: Callable[..., Iterable[dict]]  # (source_cfg, seed) -> records with at least question and answer
    columns: tuple[str, ...]  # columns of the built dataset, besides `prompt`
    hub_id: str | None = None  # where real users get it; None = generated offline
    num_rows: dict | None = None  # known split sizes of the public dataset, for preflight without a download


def get_adapter(name: str) -> Adapter:
    """A dataset by name: the `grpo_math.datasets` entry-point group (built-ins included) or `register_dataset`."""
    from grpo_math import plugins

    return plugins.load_as("datasets", name, Adapter)


def register_dataset(adapter: Adapter) -> Adapter:
    """Make an adapter available to recipes in this process (installed packages use the entry-point group)."""
    from grpo_math import plugins

    plugins.register("datasets", adapter.name, adapter)
    return adapter
