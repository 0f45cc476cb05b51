"""The GRPO run, top to bottom: plan (grpo_math.plan) -> warm start -> data -> model -> GRPOTrainer -> train -> save
-> model card. Callbacks observe; they do not decide."""

from grpo_math import plan as planning


def run(recipe, dry_run=False):
    return planning.run(recipe, "grpo", train, dry_run)


def train(plan, interruption):
    from grpo_math import warm_start
    from grpo_math.callbacks import dashboard_callbacks, finish_wandb, start_wandb
    from grpo_math.card import write_model_card
    from grpo_math.checkpoints import latest_complete, marker_callback, resume_point
    from grpo_math.data.build import build_dataset, drop_long_prompts
    from grpo_math.evaluate.callback import EvalCallback
    from grpo_math.evaluate.runner import load_eval_problems
    from grpo_math.evaluate.stages import evaluate_stages
    from grpo_math.gold_check import check_golds
    from grpo_math.grpo_math_trainer import GRPOMathTrainer
    from grpo_math.model import load_policy, load_tokenizer, lora_config, resolve_model_path
    from grpo_math.reward_funcs import check_columns
    from grpo_math.saving import save_final

    recipe, config, reward_funcs = plan.recipe, plan.config, plan.reward_funcs
    resume = resume_point(config)  # None (a fresh run), or the complete checkpoint to carry on from
    base_path = resolve_model_path(recipe.model.name_or_path)
    start_path = warm_start.resolve(recipe)  # None, or the warm start's model (running its SFT recipe if unfinished)
    model_path = start_path or base_path
    tokenizer = load_tokenizer(recipe.model, model_path)
    dataset = drop_long_prompts(build_dataset(recipe.data), tokenizer, recipe.data.max_prompt_length)
    check_columns(reward_funcs, dataset.column_names)  # the columns the plan's rewards need are really there
    check_golds(dataset, reward_funcs)  # rows whose gold a correctness reward cannot read: counted, said once
    problems = load_eval_problems(recipe)  # once: the baselines and every in-training evaluation ask these
    if start_path and not resume:  # eval/step_0.json = the base model, eval/warm_start.json = where GRPO starts
        evaluate_stages(recipe, config.output_dir, base_path, start_path, problems)
    interruption.raise_if_stopped("GRPO", config.max_steps, None)  # a signal while loading: nothing to save yet
    start_wandb(recipe, config, resume=resume is not None)  # main process only, bounded; off/unreachable -> dropped
    trainer = GRPOMathTrainer(  # GRPOTrainer + timing split, gold answers and batch accuracy for the dashboard
        model=load_policy(recipe.model, model_path),
        reward_funcs=reward_funcs,
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=lora_config(recipe.model),
        callbacks=dashboard_callbacks(recipe, reward_funcs),  # completion tables, alarms, training_curves.png
        prompt_style=recipe.data.prompt,
        max_refills=recipe.dynamic_sampling.max_refills if recipe.get("dynamic_sampling") else None,
        accuracy_window=recipe.wandb.alarm_window,
    )
    trainer.add_callback(marker_callback())  # a checkpoint counts (for resume=latest) once all of it is written
    trainer.add_callback(interruption.bind(trainer.accelerator))
    evaluations = EvalCallback(trainer, recipe, problems)  # before step 0, every eval.every steps, at the end
    if start_path:
        evaluations.steps.append(0)  # step 0 is the base model's, evaluated above: the policy's would overwrite it
    trainer.add_callback(evaluations)
    trainer.train(resume_from_checkpoint=resume)
    if interruption.requested:  # a checkpoint was written at the step's end: no final model, no card
        finish_wandb(exit_code=interruption.signum + 128)
        interruption.raise_if_stopped("GRPO", trainer.state.max_steps, latest_complete(config.output_dir))
    save_final(trainer, config.output_dir)  # a complete model; a LoRA adapter merged into it
    write_model_card(trainer, recipe)  # <output_dir>/README.md: measured speeds, hardware, rewards, before/after eval
    finish_wandb()
    return trainer
