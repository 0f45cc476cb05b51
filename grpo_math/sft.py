"""The SFT run, top to bottom: recipe -> SFTConfig -> preflight -> prompt/completion data -> model -> SFTTrainer -> save.

TRL's SFTTrainer does the work: a conversational prompt/completion dataset (grpo_math.coldstart) gets the chat
template applied and the loss on the completion only; `model.lora` hands a peft LoraConfig to it.

The output dir always ends up holding one complete, loadable model (a LoRA run merges its adapter into the base,
keeping the adapter itself in `adapter/`), because the point of an SFT run is a model to evaluate or to start GRPO
from. Its finished-run record (grpo_math.warm_start.FINISHED_MARKER) is written last: a warm start reuses the run
only when it is there.
"""

import time

from grpo_math import plan as planning


def run(recipe, dry_run=False):
    return planning.run(recipe, "sft", train, dry_run)


def train(plan, interruption):
    from grpo_math import warm_start
    from grpo_math.coldstart import build_sft_dataset
    from grpo_math.model import load_tokenizer, resolve_model_path

    recipe, config = plan.recipe, plan.config
    # A staged SFT (Orca-Math, then MathQA) starts from the earlier stage's model, running it first if unfinished
    model_path = warm_start.resolve(recipe) or resolve_model_path(recipe.model.name_or_path)
    if recipe.get("rejection_sampling"):
        trainer = _rejection_sampling_rounds(recipe, config, model_path, interruption)
    else:
        tokenizer = load_tokenizer(recipe.model, model_path)
        dataset = build_sft_dataset(recipe.data, tokenizer)
        trainer = _train(recipe, config, model_path, dataset, interruption, tokenizer=tokenizer)
    if recipe.eval.datasets:  # launch/eval.py's harness on the model just saved -> <output_dir>/eval_results.json
        from omegaconf import OmegaConf

        from grpo_math.evaluate.runner import run_eval

        run_eval(
            OmegaConf.merge(
                recipe, {"model": {"name_or_path": config.output_dir}, "trainer": {"output_dir": config.output_dir}}
            )
        )
    return trainer


def _rejection_sampling_rounds(recipe, config, model_path: str, interruption):
    """RFT (grpo_math.rejection_sampling): each round samples from the last round's model, keeps what the rewards
    accept and learns it; a finished round is skipped, an interrupted one resumes with its own samples."""
    from pathlib import Path

    from grpo_math import rejection_sampling, warm_start

    trainer = None
    for number, out in enumerate(rejection_sampling.round_dirs(recipe, config.output_dir), 1):
        if number < recipe.rejection_sampling.rounds and warm_start.is_finished(out):
            print(f"[grpo-math] rejection sampling, round {number}: finished in {out}, reused")
            model_path = str(Path(out).resolve())
            continue
        dataset, counts = rejection_sampling.accepted_samples(recipe, model_path, out, number)
        logged = {f"rft/{k}": counts[k] for k in ("round", "accepted_samples", "samples", "problems_kept", "problems")}
        config_here = rejection_sampling.round_config(config, out)
        trainer = _train(recipe, config_here, model_path, dataset, interruption, logged)
        model_path = str(Path(out).resolve())
    return trainer


def _train(recipe, config, model_path: str, dataset, interruption, logged: dict | None = None, tokenizer=None):
    from trl import SFTTrainer

    from grpo_math.checkpoints import latest_complete, marker_callback, resume_point
    from grpo_math.model import load_policy, load_tokenizer, lora_config
    from grpo_math.saving import save_final

    started = time.time()
    resume = resume_point(config)
    trainer = SFTTrainer(
        model=load_policy(recipe.model, model_path),
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer or load_tokenizer(recipe.model, model_path),
        peft_config=lora_config(recipe.model),
        callbacks=[marker_callback()],
    )
    trainer.add_callback(interruption.bind(trainer.accelerator))
    interruption.raise_if_stopped("SFT", config.max_steps, None)  # a signal while loading: nothing to save yet
    trainer.train(resume_from_checkpoint=resume)
    if interruption.requested:  # never a "finished" marker or final model for a run that did not finish
        interruption.raise_if_stopped("SFT", trainer.state.max_steps, latest_complete(config.output_dir))
    if logged:
        trainer.log(logged)  # the round's sampling counts beside its losses (W&B, TensorBoard, log history)
    save_final(trainer, config.output_dir)  # a complete model; a LoRA adapter merged into it
    if trainer.accelerator.is_main_process:
        _write_marker(config.output_dir, recipe, trainer, model_path, len(dataset), time.time() - started)
    trainer.accelerator.wait_for_everyone()
    return trainer


def _write_marker(output_dir, recipe, trainer, base_model: str, rows: int, seconds: float) -> None:
    from grpo_math.warm_start import mark_finished

    state = trainer.state
    losses = [h["loss"] for h in state.log_history if "loss" in h]
    mark_finished(output_dir, {
        "recipe": recipe.name,
        "base_model": recipe.model.name_or_path,
        "base_model_path": base_model,
        "lora": recipe.model.lora is not None,
        "train_rows": rows,
        "global_step": state.global_step,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "seconds": round(seconds, 1),
    })  # fmt: skip
