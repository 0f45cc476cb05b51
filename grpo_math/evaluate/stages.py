"""A warm-started GRPO run's two baselines: the base model, and the warm-started model GRPO begins from."""

from pathlib import Path

STAGE_FILE = "warm_start.json"  # beside eval/step_<N>.json: the model GRPO starts from, before its first step


def evaluate_stages(recipe, output_dir, base_path: str, start_path: str, problems: dict) -> None:
    """eval/step_0.json = the base model, before the warm start (so before/after compares with where it all began);
    eval/warm_start.json = the warm-started model GRPO begins from (so what GRPO itself added can be read off).

    Both ask the same held-out problems, with the same settings, as the in-training evaluations.
    """
    if not recipe.eval.datasets:
        return
    from accelerate import PartialState

    from grpo_math.evaluate.callback import step_file
    from grpo_math.evaluate.generate import load_eval_tokenizer
    from grpo_math.evaluate.runner import (
        evaluate,
        hf_generator,
        markdown_table,
        write_report,
    )
    from grpo_math.model import load_policy

    state = PartialState()
    stages = (
        ("base", base_path, recipe.model.name_or_path, step_file(output_dir, 0)),
        ("warm_start", start_path, f"{recipe.model.name_or_path} + warm start ({recipe.warm_start.recipe or start_path})",
         Path(output_dir) / "eval" / STAGE_FILE),
    )  # fmt: skip
    first = recipe.eval.get("base_limit")
    base_problems = (
        {name: s._replace(problems=s.problems[:first]) for name, s in problems.items()} if first else problems
    )
    for stage, path, label, target in stages:
        tokenizer = load_eval_tokenizer(recipe.model, path)
        model = load_policy(recipe.model, path).to(state.device).eval()
        asked = base_problems if stage == "base" else problems  # the base only shows where the run began
        report = evaluate(asked, hf_generator(model, tokenizer, recipe.eval), tokenizer, model_name=label, step=0)
        report["stage"] = stage
        del model
        if state.is_main_process:
            write_report(report, target, samples=recipe.eval.save_samples)
            print(f"[grpo-math] {stage} model ({label}) -> {target}\n{markdown_table(report)}", flush=True)
