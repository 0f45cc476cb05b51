"""Dataset adapters by name -> a datasets.Dataset with TRL's `prompt` (chat messages) and the gold `answer`.

A recipe's `data.sources` names one or more adapters; their rows are concatenated and shuffled by seed.
Each adapter declares its output columns, so preflight can check reward arguments without loading anything.
"""

from grpo_math.data.adapters import Adapter, get_adapter, register_dataset
from grpo_math.data.build import build_dataset, load_source, source_columns

__all__ = ["Adapter", "build_dataset", "get_adapter", "load_source", "register_dataset", "source_columns"]
