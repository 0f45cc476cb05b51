"""The model card: `<output_dir>/README.md`, written at the end of training with measured values only.

The GRPO reference's card left its speeds, hardware, hours, architecture, software and results "[More Information
Needed]"; here each comes from the run itself: trainer.state.log_history (rewards, tokens, runtime), the in-training
evaluations (`eval/step_<N>.json`), the resolved recipe and the machine. `collect` gathers, `render` writes.
"""

import json
import os
import platform
import re
from pathlib import Path

from grpo_math.errors import RecipeError
from grpo_math.evaluate.compare import describe, paired_difference, read_samples
from grpo_math.recipe import to_yaml

CARD_FILE = "README.md"


def write_model_card(trainer, recipe) -> Path | None:
    """Write the card on the main process; returns its path (None on other processes)."""
    if not trainer.is_world_process_zero():
        return None
    path = Path(trainer.args.output_dir) / CARD_FILE
    path.write_text(render(collect(trainer, recipe)))
    return path


def collect(trainer, recipe) -> dict:
    from grpo_math.evaluate.callback import EvalCallback
    from grpo_math.report import resolved_trainer

    args, state = trainer.args, trainer.state
    history = state.log_history
    summary = next((e for e in reversed(history) if "train_runtime" in e), {})
    evals = [cb for cb in trainer.callback_handler.callbacks if isinstance(cb, EvalCallback)]
    wall = summary.get("train_runtime")
    eval_seconds = sum(cb.seconds for cb in evals)
    train_seconds = wall - eval_seconds if wall else None
    completions = state.global_step * args.per_device_train_batch_size * args.gradient_accumulation_steps
    completions = (
        completions * args.world_size // max(1, getattr(args, "num_iterations", 1))
    )  # reused batches count once
    tokens = _last(history, "num_tokens")
    model = trainer.accelerator.unwrap_model(trainer.model)
    return {
        "name": recipe.name,
        "base_model": recipe.model.name_or_path,
        "architecture": _architecture(model),
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "lora": dict(recipe.model.lora) if recipe.model.lora else None,
        "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
        "objective": {
            k: _plain(getattr(args, k, None))
            for k in ("loss_type", "beta", "num_generations", "scale_rewards", "epsilon", "temperature")
        },
        "sources": {
            k: {"adapter": v.adapter or k, "split": v.split, "size": v.size, "path": v.path}
            for k, v in recipe.data.sources.items()
        },
        "prompt": recipe.data.prompt,
        "train_prompts": len(trainer.train_dataset) if trainer.train_dataset is not None else None,
        "rewards": {
            key: {"weight": r.weight, **_first_last(history, f"rewards/{key}/mean")}
            for key, r in recipe.rewards.items()
        },
        "total_reward": _first_last(history, "reward"),
        "completion_length": _first_last(history, "completions/mean_length"),
        "hyperparameters": resolved_trainer(recipe, args),
        "sampler": _sampler(trainer),
        "steps": state.global_step,
        "resumed_from": args.resume_from_checkpoint or None,
        "wall_seconds": wall,
        "eval_seconds": eval_seconds,
        "completions": completions,
        "tokens": tokens,
        "completions_per_s": completions / train_seconds if train_seconds else None,
        "tokens_per_s": tokens / train_seconds if tokens and train_seconds else None,
        "step_seconds": train_seconds / state.global_step if train_seconds and state.global_step else None,
        "checkpoint_bytes": sum(p.stat().st_size for p in Path(args.output_dir).glob("*.safetensors")),
        "hardware": hardware(args.world_size),
        "software": software(),
        "eval_before": _eval_file(args.output_dir, first=True),
        "eval_after": _eval_file(args.output_dir, first=False),
        "warm_start": _warm_start(recipe),
        "eval_warm_start": _read_json(Path(args.output_dir, "eval", "warm_start.json")),
        "grpo_change": _grpo_change(args.output_dir),
        "recipe_yaml": to_yaml(recipe),
        "output_dir": str(args.output_dir),
    }


def _sampler(trainer) -> str:
    """What sampled the completions GRPO trained on, and how the policy's weights reached it."""
    if not getattr(trainer, "use_vllm", False):
        return "transformers `generate` on the policy itself"
    mode = trainer.args.vllm_mode
    sync = getattr(trainer, "vllm_sync", "trl")
    how = "vLLM's layerwise reload (its CPU backend)" if sync == "layerwise reload" else "TRL's weight sync"
    return f"vLLM ({mode}), the policy's weights sent by {how} before each generation"


def hardware(processes: int = 1) -> str:
    import torch

    if torch.cuda.is_available():
        name, count = torch.cuda.get_device_name(0), torch.cuda.device_count()
        return f"{count} x {name} ({processes} training process{'es' if processes > 1 else ''}); CPU: {_cpu_name()}"
    return f"CPU only: {_cpu_name()}, {os.cpu_count()} cores"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"python {platform.python_version()}"]
    for pkg in ("grpo-math", "torch", "transformers", "trl", "peft", "accelerate", "datasets"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


def _architecture(model) -> str:
    config = getattr(model, "config", None)
    if config is None:
        return type(model).__name__
    layers = getattr(config, "num_hidden_layers", "?")
    width = getattr(config, "hidden_size", "?")
    arch = (getattr(config, "architectures", None) or [type(model).__name__])[0]
    return f"{arch} ({config.model_type}, {layers} layers, hidden size {width}), causal language model"


def _plain(v):
    return v.value if hasattr(v, "value") else v


def _last(history: list[dict], key: str):
    return next((e[key] for e in reversed(history) if e.get(key) is not None), None)


def _first_last(history: list[dict], key: str) -> dict:
    values = [e[key] for e in history if e.get(key) is not None and "train_runtime" not in e]
    return {"first": values[0], "last": values[-1]} if values else {"first": None, "last": None}


_STEP = re.compile(r"step_(\d+)\.json$")


def _warm_start(recipe) -> str | None:
    """What GRPO started from, in words, when the recipe warm-starts (an SFT recipe or a checkpoint)."""
    warm = recipe.get("warm_start")
    if not warm:
        return None
    if warm.get("recipe"):
        return f"supervised fine-tuning with recipe `{warm.recipe}` (grpo-math `launch/sft.py`)"
    return f"checkpoint `{warm.checkpoint}`"


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _eval_file(output_dir, first: bool) -> dict | None:
    path = _eval_path(output_dir, first)
    return json.loads(path.read_text()) if path else None


def _eval_path(output_dir, first: bool) -> Path | None:
    files = sorted((int(_STEP.search(p.name).group(1)), p) for p in Path(output_dir, "eval").glob("step_*.json"))
    return (files[0] if first else files[-1])[1] if files else None


def _grpo_change(output_dir) -> dict:
    """dataset -> the last evaluation minus the one GRPO began from (the warm start's, else step 0's), paired problem
    by problem (grpo_math.evaluate.compare); empty where the samples files are not there (eval.save_samples=false)."""
    from grpo_math.evaluate.runner import samples_file

    warm = Path(output_dir, "eval", "warm_start.json")
    start, end = warm if warm.is_file() else _eval_path(output_dir, True), _eval_path(output_dir, False)
    if not start or not end or start == end:
        return {}
    try:
        before, after = read_samples(samples_file(start)), read_samples(samples_file(end))
        return {name: paired_difference(before[name], after[name]) for name in after if name in before}
    except RecipeError:
        return {}  # a baseline asked fewer problems (eval.base_limit), or no samples were saved


# ---------------------------------------------------------------- rendering


def render(f: dict) -> str:
    parts = (_header, _results, _model, _data, _rewards, _hyperparameters, _speeds, _infrastructure, _reproduce)
    return "\n\n".join("\n".join(part(f)) for part in parts) + "\n"


def _header(f: dict) -> list[str]:
    base = f["base_model"]
    front = ["---", "library_name: transformers", "tags: [grpo, trl, math, grpo-math]"]
    if "/" in base and not Path(base).exists():  # a hub id, not a local dir
        front.append(f"base_model: {base}")
    sources = ", ".join(
        f"{k} ({v['split']}{', ' + str(v['size']) if v['size'] else ''})" for k, v in f["sources"].items()
    )
    if f.get("warm_start"):
        base = f"{base}, warm-started by {f['warm_start']}, then"
    summary = (
        f"{base} trained with GRPO (grpo-math, TRL) on {sources}, asked in the `{f['prompt']}` prompt style, "
        f"for {f['steps']} steps in {_duration(f['wall_seconds'])}."
    )
    if f.get("resumed_from"):  # train_runtime is this process's: the steps before the resume are not in it
        summary = summary[:-1] + f" (this process: it resumed from {f['resumed_from']})."
    return [*front, "---", "", f"# {f['name']}", "", summary]


def _results(f: dict) -> list[str]:
    before, warm, after = f["eval_before"], f.get("eval_warm_start"), f["eval_after"]
    if not after:
        return ["## Results", "", "No evaluation ran during training (the recipe's eval.datasets is empty)."]
    stages = [("before", before if before["step"] != after["step"] or warm else None)]
    if warm:  # step 0 is then the base model, before the warm start: show where GRPO itself began too
        stages.append(("after warm start", warm))
    stages.append(("after", after))
    how = (
        f"Evaluated before training (step {before['step']}"
        f"{', the base model before the warm start' if warm else ''}) and after it (step {after['step']}), greedy "
        "unless k > 1; accuracy is lenient (the answer found anywhere), strict requires the prompt's format, scored "
        "with the same extraction and equivalence as the rewards. Results are broken down by dataset."
    )
    lines = [
        "## Results",
        "",
        how,
        "",
        "| dataset | prompt | n | metric | " + " | ".join(label for label, _ in stages) + " |",
        "|---|---|---|---|" + "---|" * len(stages),
    ]
    for name, m in after["datasets"].items():
        columns = [(report or {}).get("datasets", {}).get(name, {}) for _, report in stages]
        row = f"| {name} | {m.get('prompt', '')} | {m['n']} |"
        for key in ("accuracy", "strict_accuracy", "format_rate", *(k for k in m if k.startswith(("pass@", "maj@")))):
            lines.append(f"{row} {key} | " + " | ".join(_pct(c.get(key)) for c in columns) + " |")
        lines.append(f"{row} mean length | " + " | ".join(_num(c.get("mean_length"), 0) for c in columns) + " |")
    if f.get("grpo_change"):
        since = "the warm start" if warm else f"step {before['step']}"
        lines += ["", f"GRPO's own change since {since}, paired problem by problem (`grpo-math compare`):", ""]
        lines += [f"- {name}: {describe(p)}" for name, p in f["grpo_change"].items()]
    return lines


def _model(f: dict) -> list[str]:
    method = f"LoRA r={f['lora']['r']}, alpha={f['lora']['alpha']}" if f["lora"] else "full fine-tuning"
    objective = ", ".join(f"{k}={v}" for k, v in f["objective"].items() if v is not None)
    return [
        "## Model details",
        "",
        f"- **Base model:** {f['base_model']}",
        *([f"- **Warm start:** {f['warm_start']}"] if f.get("warm_start") else []),
        f"- **Architecture:** {f['architecture']}",
        f"- **Parameters:** {f['parameters']:,} ({f['trainable']:,} trained; {method}), {f['dtype']}",
        f"- **Objective:** GRPO, {objective}",
        *([f"- **Sampling:** {f['sampler']}"] if f.get("sampler") else []),
    ]


def _data(f: dict) -> list[str]:
    count = f["train_prompts"] if f["train_prompts"] is not None else "unknown"
    lines = ["## Training data", "", f"{count} prompts from:", ""]
    for k, v in f["sources"].items():
        size = f", {v['size']} problems" if v["size"] else ""
        path = f", file {v['path']}" if v["path"] else ""
        lines.append(f"- `{k}`: adapter {v['adapter']}, split {v['split']}{size}{path}")
    return lines


def _rewards(f: dict) -> list[str]:
    total, length = f["total_reward"], f["completion_length"]
    return [
        "## Rewards",
        "",
        "| reward | weight | first logged mean | last logged mean |",
        "|---|---|---|---|",
        *(f"| {k} | {r['weight']:g} | {_num(r['first'])} | {_num(r['last'])} |" for k, r in f["rewards"].items()),
        f"| total (weighted) | | {_num(total['first'])} | {_num(total['last'])} |",
        f"| completion length (tokens) | | {_num(length['first'])} | {_num(length['last'])} |",
    ]


def _hyperparameters(f: dict) -> list[str]:
    rows = [f"| {k} | {v} |" for k, v in f["hyperparameters"].items()]
    return ["## Training hyperparameters", "", "| key | value |", "|---|---|", *rows]


def _speeds(f: dict) -> list[str]:
    wall = f"{_duration(f['wall_seconds'])} ({_hours(f['wall_seconds'])} hours)"
    tokens = f"; **tokens (prompt + completion):** {f['tokens']:,.0f}" if f["tokens"] else ""
    rates = f"{_num(f['completions_per_s'])} completions/s, {_num(f['tokens_per_s'], 0)} tokens/s"
    return [
        "## Speeds, sizes, times",
        "",
        f"- **Wall time:** {wall}, of which evaluation {_duration(f['eval_seconds'])}",
        f"- **Optimizer steps:** {f['steps']}; **completions generated:** {f['completions']:,}{tokens}",
        f"- **Throughput (training time, evaluation excluded):** {rates}, {_num(f['step_seconds'])} s/step",
        f"- **Checkpoint size:** {f['checkpoint_bytes'] / 1e6:.1f} MB (safetensors)",
    ]


def _infrastructure(f: dict) -> list[str]:
    return [
        "## Compute infrastructure",
        "",
        f"- **Hardware:** {f['hardware']}",
        f"- **Hours used:** {_hours(f['wall_seconds'])}",
        f"- **Software:** {f['software']}",
    ]


def _reproduce(f: dict) -> list[str]:
    command = f"python launch/grpo.py recipe={f['output_dir']}/recipe.yaml"
    intro = "The resolved recipe (also saved as `recipe.yaml` beside this card):"
    return ["## Reproduce", "", intro, "", "```bash", command, "```", "", "```yaml", f["recipe_yaml"].rstrip(), "```"]


def _pct(x) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def _num(x, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _duration(seconds) -> str:
    if seconds is None:
        return "n/a"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m {s:02d}s" if h else f"{m}m {s:02d}s"


def _hours(seconds) -> str:
    return "n/a" if seconds is None else f"{seconds / 3600:.3f}"
