"""Dynamic sampling (DAPO's filter_groups; verl's `filter_groups`, TRL issue 3708): groups whose completions all
scored the same carry no gradient, so they are dropped from the training batch and fresh prompts are generated
until the batch is full again, or the refill budget is spent.

Pure tensor work on TRL's generation batch (the dict `_generate_and_score_completions` returns): which rows to keep,
and how to join batches whose prompts are left-padded and whose completions are right-padded to different lengths.
"""

import torch

# Per-row tensors padded on the right (one entry per completion token) and on the left (per prompt token).
_COMPLETION_KEYS = ("completion_ids", "completion_mask", "old_per_token_logps", "sampling_per_token_logps",
                    "ref_per_token_logps", "tool_mask", "importance_sampling_ratio")  # fmt: skip
_PROMPT_KEYS = ("prompt_ids", "prompt_mask")
SUPPORTED_KEYS = {*_COMPLETION_KEYS, *_PROMPT_KEYS, "advantages", "num_items_in_batch"}


def informative_groups(advantages: torch.Tensor, num_generations: int) -> torch.Tensor:
    """Bool per row: does the row's group (num_generations consecutive rows) hold any non-zero advantage?

    With identical rewards every advantage is exactly 0 (reward - group mean), whatever the scaling."""
    groups = advantages.view(-1, num_generations)
    return (groups != 0).any(dim=1).repeat_interleave(num_generations)


def take_rows(batch: dict, rows: torch.Tensor) -> dict:
    """The batch restricted to `rows` (indices); scalars (num_items_in_batch) are left for the caller to recount."""
    out = {}
    for key, value in batch.items():
        if isinstance(value, torch.Tensor) and value.ndim > 0:
            out[key] = value[rows]
        else:
            out[key] = value
    return out


def concat_batches(batches: list[dict], pad_token_id: int) -> dict:
    """Join generation batches row-wise: prompts re-left-padded, completions re-right-padded to the longest."""
    keys = batches[0].keys()
    unsupported = set(keys) - SUPPORTED_KEYS
    if unsupported:  # multimodal or tool batches: refuse rather than join them wrong
        raise ValueError(f"dynamic sampling cannot join batch fields {sorted(unsupported)}")
    out = {}
    for key in keys:
        values = [b[key] for b in batches]
        if values[0] is None or key == "num_items_in_batch":
            out[key] = values[0]
        elif key in _PROMPT_KEYS:
            fill = pad_token_id if key == "prompt_ids" else 0
            out[key] = _pad_cat(values, fill, left=True)
        elif key in _COMPLETION_KEYS and values[0].ndim > 1:
            fill = pad_token_id if key == "completion_ids" else 0
            out[key] = _pad_cat(values, fill, left=False)
        else:
            out[key] = torch.cat(values)
    return out


class RefillOrder:
    """Which training problems refill a batch: a seeded shuffle of the dataset walked without replacement and
    reshuffled after each pass, so refills ask no problem twice before they have asked them all. (Picks with
    replacement re-ask ~8 of every 80 drawn from 400; a re-asked problem was trained on, which inflates the logged
    training reward and mixes memorising into what should be fresh practice.)"""

    def __init__(self, size: int, seed: int):
        self.size = size
        self.generator = torch.Generator().manual_seed(seed)
        self.order: list[int] = []
        self.position = 0

    def take(self, n: int) -> list[int]:
        picked = []
        while len(picked) < n:
            if self.position == len(self.order):
                self.order, self.position = torch.randperm(self.size, generator=self.generator).tolist(), 0
            end = min(len(self.order), self.position + n - len(picked))
            picked += self.order[self.position : end]
            self.position = end
        return picked

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "order": self.order, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"].cpu())
        self.order, self.position = list(state["order"]), int(state["position"])


def _pad_cat(values: list[torch.Tensor], fill, left: bool) -> torch.Tensor:
    from trl.trainer.utils import pad  # TRL's own padder, row by row: the rows of every batch, to the widest

    return pad([row for v in values for row in v], padding_value=fill, padding_side="left" if left else "right")
