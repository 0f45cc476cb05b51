"""Evaluate a model on the recipe's eval datasets: problems -> prompts -> completions -> scores -> JSON and a table.

    check_eval(recipe)                        one-line errors for eval settings, before anything loads
    load_eval_problems(recipe)                dataset -> EvalSet(prompt style, problems, system prompt)
    evaluate(problems, generate, ...)         {"model", "step", "datasets": {name: metrics}, "samples": {name: [...]}}
    write_report(report, path)                path (.json, the metrics) and its .samples.jsonl (one line a problem)
    run_eval(recipe)                          launch/eval.py: load the model, evaluate, write eval_results.json

Under `accelerate launch` every process generates its share of the problems and the main process writes.
"""

import json
import time
from pathlib import Path
from typing import NamedTuple

from grpo_math.errors import RecipeError, did_you_mean
from grpo_math.evaluate.datasets import load_problems, local_file, messages_for, style_for
from grpo_math.evaluate.generate import VllmEngine, generate_hf, load_eval_tokenizer, render_prompt
from grpo_math.evaluate.scoring import metrics_of, sample_records, score_all

RESULTS_FILE = "eval_results.json"
BACKENDS = ("hf", "vllm")


def check_eval(recipe) -> None:
    ev = recipe.eval
    for name in ev.datasets:
        style_for(name, ev, recipe.data)  # unknown dataset or prompt style: did-you-mean
        local_file(name, ev.data_dir)  # eval.data_dir set but the file is not there: where it looked, how to get it
    if ev.backend not in BACKENDS:
        raise RecipeError(
            f"eval.backend={ev.backend!r} is not one of {', '.join(BACKENDS)}{did_you_mean(ev.backend, BACKENDS)}"
        )
    if ev.backend == "vllm":
        from grpo_math.vllm_checks import check_vllm_importable

        check_vllm_importable("eval.backend=vllm")
    for key in ("k", "batch_size", "max_new_tokens", "limit", "every"):
        value = ev[key]
        if value is not None and value < 1:
            raise RecipeError(f"eval.{key}={value} must be at least 1")
    if ev.temperature < 0:
        raise RecipeError(f"eval.temperature={ev.temperature} must be >= 0 (0 = greedy)")
    if ev.k > 1 and ev.temperature == 0:
        raise RecipeError(
            f"eval.k={ev.k} samples need eval.temperature > 0 (e.g. 0.7): greedy samples are all the same"
        )


class EvalSet(NamedTuple):
    style: str  # the prompt style asked in and scored by
    problems: list  # grpo_math.evaluate.datasets.Problem
    system_prompt: str | None  # replaces the style's own: data.system_prompt, where the style is the one trained on


def load_eval_problems(recipe) -> dict[str, EvalSet]:
    sets = {}
    for name in recipe.eval.datasets:
        style = style_for(name, recipe.eval, recipe.data)
        system = recipe.data.system_prompt if style == recipe.data.prompt else None  # what the model learned from
        sets[name] = EvalSet(style, load_problems(name, recipe.eval, recipe.data), system)
    return sets


def evaluate(problems: dict, generate, tokenizer, *, model_name: str, step: int | None = None) -> dict:
    """`generate(prompts, desc) -> [[Completion] * k for each prompt]` does the generating; the rest is here."""
    report = {"model": model_name, "step": step, "datasets": {}, "samples": {}}
    for name, (style, items, system) in problems.items():
        prompts = [render_prompt(tokenizer, messages_for(p, style, system), model_name, style) for p in items]
        completions = generate(prompts, name)
        scored = score_all(items, completions, style)
        report["datasets"][name] = {**metrics_of(items, scored), "prompt": style}
        report["samples"][name] = sample_records(items, completions, scored)
    return report


def hf_generator(model, tokenizer, eval_cfg):
    """generate() on a transformers model, with each process taking its share of the prompts."""

    def generate(prompts, desc):
        return _sharded(lambda mine, main: generate_hf(
            model, tokenizer, mine, k=eval_cfg.k, temperature=eval_cfg.temperature,
            max_new_tokens=eval_cfg.max_new_tokens, batch_size=eval_cfg.batch_size, seed=eval_cfg.seed,
            progress=main, desc=desc,
        ), prompts)  # fmt: skip

    return generate


def _sharded(fn, prompts: list):
    """fn(my_prompts, is_main) on every process over an equal share (padded: FSDP and ZeRO-3 need every process
    to run as many generate calls as the others), results gathered back in order."""
    from accelerate import PartialState
    from accelerate.utils import gather_object

    state = PartialState()
    if state.num_processes == 1:
        return fn(prompts, True)
    with state.split_between_processes(list(range(len(prompts))), apply_padding=True) as mine:
        done = list(zip(mine, fn([prompts[i] for i in mine], state.is_main_process)))
    merged = dict(gather_object(done))
    return [merged[i] for i in range(len(prompts))]


def write_report(report: dict, path, samples: bool = True) -> Path:
    """The metrics to `path`; each problem's completions and grades (report["samples"]) to samples_file(path)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = report.get("samples") or {}
    if samples and records:
        lines = (json.dumps({"dataset": name, **r}) + "\n" for name, rs in records.items() for r in rs)
        _write_atomically(samples_file(path), "".join(lines))
    metrics = {k: v for k, v in report.items() if k != "samples"}
    return _write_atomically(path, json.dumps(metrics, indent=2) + "\n")


def samples_file(report_path) -> Path:
    """eval/step_20.json -> eval/step_20.samples.jsonl"""
    path = Path(report_path)
    return path.with_name(f"{path.stem}.samples.jsonl")


def _write_atomically(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)  # a reader (the curves plotter) never sees half a file
    return path


def markdown_table(report: dict) -> str:
    extra = sorted({k for m in report["datasets"].values() for k in m if k.startswith(("pass@", "maj@"))})
    head = ["dataset", "prompt", "n", "accuracy", "strict", "format", "mean len", *extra]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, m in report["datasets"].items():
        cells = [name, m["prompt"], str(m["n"]), *(_pct(m[k]) for k in ("accuracy", "strict_accuracy", "format_rate"))]
        cells += [f"{m['mean_length']:.0f}", *(_pct(m[k]) if k in m else "" for k in extra)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def output_dir(recipe) -> Path:
    return Path(recipe.trainer.get("output_dir") or Path("outputs") / recipe.name)


def checkpoint_step(model_path: str) -> int | None:
    """The training step a checkpoint was saved at (its trainer_state.json), None for a base model."""
    state = Path(model_path) / "trainer_state.json"
    if state.is_file():
        return json.loads(state.read_text()).get("global_step")
    return None


def run_eval(recipe) -> dict:
    from accelerate import PartialState

    from grpo_math.model import load_policy, resolve_model_path

    check_eval(recipe)
    if not recipe.eval.datasets:
        raise RecipeError('eval.datasets is empty: name some, e.g. "eval.datasets=[gsm8k,math500,mathqa]"')
    problems = load_eval_problems(recipe)  # data before the model: a missing file fails in seconds
    name = recipe.model.name_or_path
    path = resolve_model_path(name)
    tokenizer = load_eval_tokenizer(recipe.model, path)
    start = time.perf_counter()
    if recipe.eval.backend == "vllm":
        generate = _vllm_generator(path, tokenizer, recipe)
    else:
        model = load_policy(recipe.model, path).to(PartialState().device).eval()
        generate = hf_generator(model, tokenizer, recipe.eval)
    report = evaluate(problems, generate, tokenizer, model_name=name, step=checkpoint_step(path))
    report["seconds"] = round(time.perf_counter() - start, 1)
    if PartialState().is_main_process:
        out = write_report(report, output_dir(recipe) / RESULTS_FILE, samples=recipe.eval.save_samples)
        print(markdown_table(report))
        samples = f" and {samples_file(out).name} (each completion)" if recipe.eval.save_samples else ""
        asked = sum(len(s.problems) for s in problems.values())
        print(f"[grpo-math] {asked} problems in {report['seconds']}s -> {out}{samples}")
    return report


def _vllm_generator(path: str, tokenizer, recipe):
    from accelerate import PartialState

    if PartialState().num_processes > 1:
        raise RecipeError(
            "eval.backend=vllm runs in one process (vLLM schedules the GPU itself): use python launch/eval.py"
        )
    ev = recipe.eval
    engine = VllmEngine(path, dtype=recipe.model.dtype, seed=ev.seed)

    def generate(prompts, desc):
        return engine.generate(tokenizer, prompts, k=ev.k, temperature=ev.temperature,
                               max_new_tokens=ev.max_new_tokens, seed=ev.seed)  # fmt: skip

    return generate
