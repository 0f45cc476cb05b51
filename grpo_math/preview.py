"""The dry run's preview of what the model will be given: the first training row's prompt and the first problem of each
evaluation dataset, as exact text (chat template and system prompt applied), and for the training row a gold
completion in the prompt style's format (its worked solution), scored by every reward of the recipe, so the most each
reward can give is seen before a run is paid for. Nothing here loads weights; a hub model or dataset that is not in
the local cache is said to be, not fetched.
"""

from dataclasses import dataclass
from pathlib import Path

from grpo_math.errors import RecipeError

INDENT = "    | "
PROMPTS_MEASURED = 2000  # training prompts tokenized for the memory plan's prompt length


@dataclass
class DryRunData:
    """What the dry run reads once: the tokenizer and the training rows, or why this machine has neither."""

    tokenizer: object = None
    tokenizer_missing: str | None = None
    rows: object = None  # the built training dataset
    rows_missing: str | None = None

    @classmethod
    def load(cls, recipe) -> "DryRunData":
        from grpo_math.data import build_dataset

        tokenizer, missing = _tokenizer(recipe.model)
        try:
            rows, why = build_dataset(recipe.data), None
        except Exception as e:  # noqa: BLE001 - a hub dataset offline, a file the run would refuse: said, not raised
            rows, why = None, _first_line(e)
        return cls(tokenizer, missing, rows, why)

    def longest_prompt(self) -> tuple[int, str] | None:
        """(the longest of the first PROMPTS_MEASURED training prompts, in tokens with the chat template, and how it
        was found), or None where the tokenizer or the data is not here."""
        if self.tokenizer is None or self.rows is None or "prompt" not in self.rows.column_names:
            return None
        prompts = self.rows.select(range(min(len(self.rows), PROMPTS_MEASURED)))["prompt"]
        longest = max(
            (len(self.tokenizer(_text(self.tokenizer, p), add_special_tokens=False)["input_ids"]) for p in prompts),
            default=0,
        )
        return longest, f"the longest of the first {len(prompts)} training prompts, tokenized"


def preview(recipe, plan, data: DryRunData | None = None) -> str:
    data = data or DryRunData.load(recipe)
    tokenizer = data.tokenizer
    lines = ["what the model is given (exact text; the chat template applied):"]
    if tokenizer is None:
        lines.append(f"  (shown as chat messages: {data.tokenizer_missing})")
    lines += _training_row(recipe, plan, tokenizer, data)
    for name, (style, problem, system) in _first_eval_problems(recipe).items():
        from grpo_math.evaluate.datasets import messages_for

        if problem is None:
            lines.append(f"  eval {name}: {style}")  # why it cannot be read here
            continue
        lines += [f"  eval {name} (prompt style {style}), first problem, gold {problem.gold!r}:"]
        lines += _shown(_text(tokenizer, messages_for(problem, style, system)))
    return "\n".join(lines)


def _training_row(recipe, plan, tokenizer, data: DryRunData) -> list[str]:
    from grpo_math.coldstart import completion_messages
    from grpo_math.prompts import get_prompt_style

    if data.rows is None:
        return [f"  training data: not readable here ({data.rows_missing})"]
    row = data.rows[0]
    lines = [f"  first training row ({row.get('source')}), gold answer {row.get('answer')!r}:"]
    lines += _shown(_text(tokenizer, row["prompt"]))
    if not row.get("solution"):
        return [*lines, "  (no worked solution in this dataset: no gold completion to score)"]
    gold = completion_messages(get_prompt_style(recipe.data.prompt), row["solution"], str(row["answer"]))
    lines += ["  a gold completion in the prompt style's format:", *_shown(gold[0]["content"])]
    if plan.reward_funcs:
        columns = {k: [v] for k, v in row.items() if k != "prompt"}
        scores = []
        for func, weight in zip(plan.reward_funcs, plan.reward_weights, strict=True):
            score = func(prompts=[row["prompt"]], completions=[gold], **columns)[0]
            scores.append(f"{func.__name__} {'n/a' if score is None else f'{score:g}'} (x{weight:g})")
        lines.append(f"  its rewards: {', '.join(scores)}")
    return lines


def _first_eval_problems(recipe) -> dict:
    from grpo_math.evaluate.datasets import load_problems, style_for

    out = {}
    for name in recipe.eval.datasets:
        style = style_for(name, recipe.eval, recipe.data)
        system = recipe.data.system_prompt if style == recipe.data.prompt else None
        try:
            problems = load_problems(name, _first_only(recipe.eval), recipe.data)
        except Exception as e:  # noqa: BLE001 - offline hub data, a missing local file: preflight says the rest
            out[name] = (f"not readable here ({_first_line(e)})", None, None)
            continue
        out[name] = (style, problems[0] if problems else None, system)
    return out


def _first_only(eval_cfg):
    from omegaconf import OmegaConf

    return OmegaConf.merge(eval_cfg, {"limit": 1})


def _tokenizer(model_cfg):
    """(tokenizer, None), or (None, why) where it is not on this machine."""
    from grpo_math.embedded import EMBEDDED_MODELS, cache_dir
    from grpo_math.model import load_tokenizer

    name = model_cfg.name_or_path
    try:
        if name in EMBEDDED_MODELS:
            target = cache_dir() / "models" / name
            if not (target / "config.json").is_file():
                return _gguf_tokenizer(model_cfg, *EMBEDDED_MODELS[name]), None
            return load_tokenizer(model_cfg, str(target), require_chat_template=False), None
        if Path(name).expanduser().is_dir():
            return load_tokenizer(model_cfg, str(Path(name).expanduser()), require_chat_template=False), None
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(name, "tokenizer_config.json", revision=model_cfg.get("revision"))
        if not isinstance(cached, str):
            return None, f"{name}'s tokenizer is not in the local Hugging Face cache"
        return load_tokenizer(model_cfg, str(Path(cached).parent), require_chat_template=False), None
    except RecipeError as e:
        return None, str(e)


def _gguf_tokenizer(model_cfg, package: str, filename: str):
    from transformers import AutoTokenizer

    from grpo_math.embedded import _gguf_path

    path = _gguf_path(package, filename)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    if model_cfg.get("chat_template"):
        from grpo_math.prompts import CHAT_TEMPLATES

        tokenizer.chat_template = CHAT_TEMPLATES.get(model_cfg.chat_template, model_cfg.chat_template)
    return tokenizer


def _text(tokenizer, messages: list[dict]) -> str:
    if tokenizer is None:
        return "\n".join(f"[{m['role']}] {m['content']}" for m in messages)
    if tokenizer.chat_template is None:
        from grpo_math.evaluate.generate import render_prompt

        return render_prompt(tokenizer, messages, "the model", "the recipe's")
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def _shown(text: str) -> list[str]:
    return [INDENT + line for line in text.splitlines() or [""]]


def _first_line(e: BaseException) -> str:
    return next((line.strip() for line in str(e).splitlines() if line.strip()), type(e).__name__)[:200]
