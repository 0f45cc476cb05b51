"""The recipe's sections and their keys: the single list of what a recipe may say.

`trainer` is not here: it goes verbatim into trl.GRPOConfig (or SFTConfig) and is checked against that
dataclass's own fields, so TRL's knobs are never re-declared.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoraSection:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: Any = "all-linear"  # "all-linear" or a list of module names


@dataclass
class ModelSection:
    name_or_path: str = "???"  # hub id, local dir, or an embedded short name (smollm2-135m)
    dtype: str = "auto"  # auto = bf16 on a GPU, fp32 on a CPU
    revision: str | None = None
    attn_implementation: str | None = None
    chat_template: str | None = None  # base models have none: a Jinja template, or `plain` (turns as bare text)
    lora: LoraSection | None = None  # None = full fine-tuning
    load_in_4bit: bool = False  # QLoRA: 4-bit NF4 base weights (bitsandbytes, CUDA only) under model.lora


@dataclass
class SourceSection:
    adapter: str | None = None  # defaults to the source's key in data.sources
    path: str | None = None  # local jsonl/parquet instead of the hub
    split: str = "train"
    size: int | None = None  # generators: problems to make; files/hub: keep the first N rows
    config: dict = field(default_factory=dict)  # adapter-specific settings (e.g. reasoning-gym's)


@dataclass
class DataSection:
    sources: dict = field(default_factory=dict)  # name -> SourceSection
    prompt: str = "xml"  # prompt style (grpo_math.prompts)
    system_prompt: str | None = None  # replaces the style's system prompt
    seed: int = 42
    max_prompt_length: int | None = None  # prompts longer than this (tokens) are dropped, never truncated
    shuffle: bool = True


@dataclass
class RewardSection:
    weight: float = 1.0
    fn: str | None = None  # registered name, package.module:function or file.py:function; default: the key
    kwargs: dict = field(default_factory=dict)
    kind: str | None = None  # correctness | format | shaping; default: what the reward declares
    factory: bool = False  # fn makes the reward when called with kwargs (e.g. TRL's get_*_reward functions)
    check: bool = True  # false: preflight does not run the reward check on it


@dataclass
class EvalSection:
    datasets: list = field(default_factory=list)
    limit: int | None = None
    k: int = 1  # samples per problem for pass@k / maj@k
    temperature: float = 0.0  # 0 = greedy (pass@1); k > 1 needs > 0
    max_new_tokens: int = 512
    batch_size: int = 16
    backend: str = "hf"  # hf (batched generate) or vllm
    data_dir: str | None = None  # local <data_dir>/<dataset>/test.jsonl instead of the hub
    prompt: str | None = None  # prompt style; default: data.prompt
    every: int | None = None  # during training: evaluate every N steps (and before step 0 and at the end)
    base_limit: int | None = None  # a warm-started run's base-model baseline asks only the first N problems
    save_samples: bool = True  # each problem's completions and grades beside the metrics (<report>.samples.jsonl)
    seed: int = 1234


@dataclass
class WandbSection:
    project: str = "grpo-math"
    entity: str | None = None
    name: str | None = None  # default: recipe name + time
    tags: list = field(default_factory=list)
    mode: str | None = None  # online | offline | disabled; None = $WANDB_MODE, else online if an API key is configured
    table_rows: int = 16  # completions kept per logging step in the W&B completion table (whole groups); 0 = none
    alarm_window: int = 20  # logged steps the alarms and batch/accuracy_avg look back over; 0 = both off


@dataclass
class WarmStartSection:
    recipe: str | None = None  # an SFT recipe run first (skipped when its output exists)
    checkpoint: str | None = None  # or an existing checkpoint to start from
    overrides: list = field(default_factory=list)  # key=value for the SFT recipe


@dataclass
class DynamicSamplingSection:
    """DAPO's dynamic sampling: groups whose completions all scored the same (no gradient) are dropped and refilled."""

    max_refills: int = 2  # extra generation rounds per batch at most; then train on the informative rows there are


@dataclass
class RejectionSamplingSection:
    """An SFT recipe's training completions are its model's own samples that every reward in `rewards` scores 1.0
    (grpo_math.rejection_sampling): RFT / STaR, for data with final answers and no worked solutions."""

    k: int = 4  # samples per problem
    temperature: float = 1.0
    max_new_tokens: int = 256
    rounds: int = 1  # each round samples from the previous round's model, then learns what it accepted
    keep_per_problem: int = 1  # distinct accepted completions learnt per problem
    batch_size: int = 16  # problems per generate call (k completions each)


@dataclass
class RecipeSchema:
    name: str | None = None  # default: the recipe file's stem; names the run (output dir, W&B)
    task: str = "grpo"  # grpo | sft: which launcher and which TRL config `trainer` is checked against
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    rewards: dict = field(default_factory=dict)  # key (metric name) -> RewardSection
    trainer: dict = field(default_factory=dict)  # -> trl.GRPOConfig / trl.SFTConfig, verbatim
    eval: EvalSection = field(default_factory=EvalSection)
    wandb: WandbSection = field(default_factory=WandbSection)
    warm_start: WarmStartSection | None = None
    dynamic_sampling: DynamicSamplingSection | None = None  # None: every group trains, as TRL does
    rejection_sampling: RejectionSamplingSection | None = None  # SFT recipes: learn accepted samples (RFT)


# Free-form mappings whose values follow a schema: recipe path -> schema of each value.
MAPPING_VALUES = {"data.sources": SourceSection, "rewards": RewardSection}
