"""Rejection-sampling fine-tuning (RFT; STaR, expert iteration): an SFT recipe that learns the model's own samples
its rewards accept, for data with final answers and no worked solutions.

    task: sft
    rejection_sampling: {k: 4, temperature: 1.0, max_new_tokens: 256, rounds: 1, keep_per_problem: 1}
    rewards: {numeric_correctness: {}, xml_format: {}}   # a sample is kept when every reward gives it 1.0

A round samples k completions of every training problem (the recipe's `data`, answers only) from the round's
starting model (round 1: the recipe's model or its warm start; round r: round r-1's result), keeps up to
keep_per_problem distinct accepted ones per problem (graded by the same rewards and grader as GRPO), and runs the
recipe's SFT on them from that starting model. Rounds before the last write to <output_dir>/rft_round_<r>, the last
to output_dir. A round's accepted samples are written before its SFT starts (rft_samples.jsonl, with its counts in
rft_round.json), so a resumed round learns the same ones; a finished round is skipped. One process samples; under accelerate launch the
others wait for its file, so every rank trains on the same rows.
"""

import json
import os
from pathlib import Path

from grpo_math.errors import RecipeError

SAMPLES_FILE = "rft_samples.jsonl"
COUNTS_FILE = "rft_round.json"  # written after the samples: its presence means they are complete


def check_rejection_sampling(recipe) -> None:
    """One-line errors before anything loads."""
    rs = recipe.rejection_sampling
    if recipe.task != "sft":
        raise RecipeError(
            "rejection_sampling belongs in an SFT recipe (task: sft); a GRPO recipe starts from one with "
            "warm_start.recipe=<that recipe>"
        )
    for key, low in (("k", 1), ("rounds", 1), ("keep_per_problem", 1), ("max_new_tokens", 1), ("batch_size", 1)):
        value = rs[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise RecipeError(f"rejection_sampling.{key}={value!r} must be an integer >= {low}")
    if rs.temperature < 0 or (rs.k > 1 and rs.temperature == 0):
        raise RecipeError(
            f"rejection_sampling.temperature={rs.temperature}: k={rs.k} samples of a problem need a temperature "
            "above 0 (e.g. 1.0), or they are all the same greedy completion"
        )
    if not recipe.rewards:
        raise RecipeError(
            "rejection_sampling keeps the samples every reward in `rewards` gives 1.0, and `rewards` is empty: "
            "add the rewards that decide, e.g. rewards.numeric_correctness={}"
        )
    accepting_rewards(recipe)  # unknown names, kwargs or columns: the registry's one-line errors


def accepting_rewards(recipe):
    from grpo_math.data.build import source_columns
    from grpo_math.reward_funcs import build_reward_funcs, run_settings

    funcs, _ = build_reward_funcs(recipe.rewards, source_columns(recipe.data), run_settings(recipe))
    return funcs


def round_dirs(recipe, output_dir: str) -> list[str]:
    rounds = recipe.rejection_sampling.rounds
    return [output_dir if r == rounds else os.path.join(output_dir, f"rft_round_{r}") for r in range(1, rounds + 1)]


def round_config(config, out: str):
    """The recipe's SFT settings in one round's dir; asked to resume, a round resumes where it has a checkpoint."""
    import copy

    from grpo_math.checkpoints import LATEST, latest_complete

    this = copy.copy(config)
    this.output_dir = out
    if config.resume_from_checkpoint in LATEST:
        this.resume_from_checkpoint = "latest" if latest_complete(out) else None
    return this


def check_resume(recipe, config) -> None:
    """grpo_math.checkpoints.resume_point for every round: checkpoints a fresh run would overwrite are refused, and
    a resume needs something to resume (a round's checkpoint, samples or finished model)."""
    from grpo_math.checkpoints import LATEST, is_finished, resume_point

    dirs = round_dirs(recipe, config.output_dir)
    if config.resume_from_checkpoint not in LATEST:
        for out in dirs:
            resume_point(round_config(config, out))
        return
    if not any(is_finished(d) or (Path(d) / COUNTS_FILE).is_file() or round_config(config, d).resume_from_checkpoint
               for d in dirs):  # fmt: skip
        raise RecipeError(
            f"trainer.resume_from_checkpoint={config.resume_from_checkpoint}: no round of {config.output_dir} has "
            "started (no samples, checkpoint or finished model): remove the setting to start fresh"
        )


def accepted_samples(recipe, model_path: str, round_dir: str, round_number: int):
    """(SFT dataset of accepted samples {prompt, completion, answer, source}, counts): read back when this round
    already sampled, else sampled now with `model_path` and written to round_dir."""
    import datasets
    from accelerate import PartialState

    out = Path(round_dir)
    # One process samples (under accelerate launch the others wait, then read its file): every rank learns the same rows
    with PartialState().main_process_first():
        if (out / COUNTS_FILE).is_file():
            counts = json.loads((out / COUNTS_FILE).read_text())
            print(f"[grpo-math] rejection sampling, round {round_number}: reusing its samples in {out / SAMPLES_FILE}")
        else:
            counts = _sample(recipe, model_path, out, round_number)
    rows = [json.loads(line) for line in (out / SAMPLES_FILE).read_text().splitlines() if line.strip()]
    if not rows:
        raise RecipeError(
            f"rejection sampling, round {round_number}: no sample of {counts['problems']} problems scored 1.0 on "
            "every reward: raise rejection_sampling.k or temperature, or start from a model that gets some right"
        )
    return datasets.Dataset.from_list(rows), counts


def _sample(recipe, model_path: str, out: Path, round_number: int) -> dict:
    import time

    from accelerate import PartialState

    from grpo_math.data import build_dataset
    from grpo_math.data.build import drop_long_prompts
    from grpo_math.evaluate.generate import generate_hf, render_prompt
    from grpo_math.model import load_policy, load_tokenizer

    rs = recipe.rejection_sampling
    tokenizer = load_tokenizer(recipe.model, model_path)
    problems = drop_long_prompts(build_dataset(recipe.data), tokenizer, recipe.data.max_prompt_length)
    model = load_policy(recipe.model, model_path).to(PartialState().device).eval()
    prompts = [
        render_prompt(tokenizer, row["prompt"], recipe.model.name_or_path, recipe.data.prompt) for row in problems
    ]
    started = time.perf_counter()
    samples = generate_hf(model, tokenizer, prompts, k=rs.k, temperature=rs.temperature,
                          max_new_tokens=rs.max_new_tokens, batch_size=rs.batch_size,
                          seed=int(recipe.trainer.get("seed", 42)) + round_number, desc=f"rft round {round_number}")  # fmt: skip
    seconds = time.perf_counter() - started
    del model
    funcs = accepting_rewards(recipe)
    kept, accepted = [], 0
    for row, group in zip(problems, samples, strict=True):
        texts = [c.text for c in group]
        good = _accepted(funcs, row, texts)
        accepted += len(good)
        for text in list(dict.fromkeys(good))[: rs.keep_per_problem]:  # distinct, in sampling order
            kept.append({"prompt": row["prompt"], "completion": [{"role": "assistant", "content": text}],
                         "answer": row.get("answer"), "source": row.get("source")})  # fmt: skip
    counts = {
        "round": round_number,
        "model": model_path,
        "problems": len(problems),
        "samples": len(problems) * rs.k,
        "accepted_samples": accepted,
        "problems_kept": len({json.dumps(r["prompt"]) for r in kept}),
        "rows": len(kept),
        "sampling_seconds": round(seconds, 1),
    }
    out.mkdir(parents=True, exist_ok=True)
    _write(out / SAMPLES_FILE, "".join(json.dumps(r) + "\n" for r in kept))
    _write(out / COUNTS_FILE, json.dumps(counts, indent=2) + "\n")  # last: the samples are complete
    print(
        f"[grpo-math] rejection sampling, round {round_number}: {accepted} of {counts['samples']} samples accepted; "
        f"{counts['problems_kept']} of {len(problems)} problems kept ({len(kept)} rows) in {seconds:.0f}s"
    )
    return counts


def _accepted(funcs, row: dict, texts: list[str]) -> list[str]:
    """The texts every reward scores 1.0 (its maximum); None (not applicable) is not acceptance."""
    completions = [[{"role": "assistant", "content": t}] for t in texts]
    columns = {k: [v] * len(texts) for k, v in row.items() if k not in ("prompt", "completion")}
    ok = [True] * len(texts)
    for func in funcs:
        scores = func(prompts=[row["prompt"]] * len(texts), completions=completions, **columns)
        ok = [o and s is not None and float(s) >= 1.0 for o, s in zip(ok, scores, strict=True)]
    return [t for t, o in zip(texts, ok, strict=True) if o]


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
