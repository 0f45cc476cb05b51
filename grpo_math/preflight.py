"""What a run will do, checked and summarised before any weights load (`--dry-run` stops after this)."""

from pathlib import Path

from grpo_math.data import get_adapter
from grpo_math.errors import RecipeError
from grpo_math.run_checks import optimizer_name
from grpo_math.trl_config import world_size


def count_prompts(data_cfg) -> int | None:
    """Training prompts, counted without downloading: generator sizes, local file lines, known hub split sizes."""
    total = 0
    for name, src in data_cfg.sources.items():
        adapter = get_adapter(src.adapter or name)
        if adapter.hub_id is None:
            n = src.size or 1000
        elif src.path and Path(src.path).suffix == ".jsonl" and Path(src.path).is_file():
            with open(src.path, "rb") as f:
                n = sum(1 for line in f if line.strip())
        elif not src.path and adapter.num_rows and src.split in adapter.num_rows:
            n = adapter.num_rows[src.split]
        else:
            return None
        total += min(n, src.size) if src.size else n
    return total


def total_steps(config, num_prompts: int | None) -> int | None:
    if config.max_steps and config.max_steps > 0:
        return config.max_steps
    if num_prompts is None:
        return None
    micro_batches = num_prompts * config.num_generations // (config.per_device_train_batch_size * world_size())
    return max(1, micro_batches // config.gradient_accumulation_steps) * int(config.num_train_epochs)


def where_generation_runs(config) -> str:
    if not config.use_vllm:
        return "transformers generate inside each training process (vLLM off)"
    if config.vllm_mode == "server":
        url = config.vllm_server_base_url or f"http://{config.vllm_server_host}:{config.vllm_server_port}"
        return f"vLLM server at {url} (start it first: trl vllm-serve --model <model>)"
    return f"vLLM colocated in each training process (gpu_memory_utilization={config.vllm_gpu_memory_utilization})"


def attention(recipe) -> str:
    from grpo_math.model import attention_plan, model_type_of

    model_type = model_type_of(recipe.model.name_or_path, recipe.model.get("revision"), cached_only=True)
    kernel, why = attention_plan(recipe.model, model_type)
    return f"{kernel} ({why})"


def precision(recipe, config) -> str:
    from grpo_math.model import cuda_available

    if config.fp16:
        return "fp16 mixed precision"
    if config.bf16:
        return "bf16 mixed precision" if cuda_available() else "bf16 autocast on the CPU (it has AMX), fp32 weights"
    if recipe.trainer.get("fp16"):
        return "fp32 (fp16 asked for, but no CUDA device here)"
    if recipe.trainer.get("bf16"):
        return "fp32 (bf16 asked for, but no CUDA device and no AMX on this CPU, where bf16 is slower)"
    return "fp32"


def check(plan, dry_run: bool) -> None:
    """Fail early, with the fix, on what would otherwise fail after minutes of model loading."""
    from grpo_math.run_checks import check_run

    recipe, config = plan.recipe, plan.config
    check_run(recipe, config, dry_run=dry_run)
    if recipe.get("rejection_sampling"):
        from grpo_math.rejection_sampling import check_rejection_sampling

        check_rejection_sampling(recipe)  # answers are enough: the completions are the model's own
    elif recipe.task == "sft":
        from grpo_math.coldstart import check_sources

        check_sources(recipe.data)
    if recipe.get("warm_start"):
        from grpo_math.warm_start import check_warm_start

        check_warm_start(recipe)
    if recipe.task == "grpo":
        from grpo_math.reward_tools import check_rewards

        failures = check_rewards(recipe, funcs=plan.reward_funcs)  # gold scores best, adversarial worst
        if failures:
            raise RecipeError(
                f"reward check failed: {failures[0]} (details: grpo-math rewards check recipe={recipe.name})"
            )
        check_dynamic_sampling(recipe, config)
        if config.use_vllm:
            from grpo_math.vllm_checks import check_trainer_vllm, check_vllm_importable

            check_trainer_vllm(config)
            if not dry_run:
                check_vllm_importable("trainer.use_vllm=true")
    if recipe.eval.datasets:
        from grpo_math.evaluate.runner import check_eval

        check_eval(recipe)  # unknown eval datasets, missing local files, k > 1 at temperature 0


def weights_trained(model) -> str:
    lora = model.get("lora")
    if not lora:
        return "all (full fine-tuning)"
    text = f"LoRA r={lora.r} alpha={lora.alpha}"
    if model.get("load_in_4bit"):
        text += " over 4-bit NF4 base weights (QLoRA; needs a CUDA GPU and bitsandbytes)"
    return text


def check_dynamic_sampling(recipe, config) -> None:
    ds = recipe.get("dynamic_sampling")
    if not ds:
        return
    if not isinstance(ds.max_refills, int) or ds.max_refills < 0:
        raise RecipeError(f"dynamic_sampling.max_refills={ds.max_refills!r} must be an integer >= 0 (e.g. 2)")
    local = config.per_device_train_batch_size * config.steps_per_generation
    if local % config.num_generations:
        raise RecipeError(
            f"dynamic_sampling drops whole groups, so each process must hold whole ones: per_device_train_batch_size"
            f" x steps_per_generation = {local} is not a multiple of num_generations={config.num_generations}"
        )


def dynamic_sampling(recipe) -> str:
    ds = recipe.get("dynamic_sampling")
    if not ds:
        return "trained (no gradient; dynamic_sampling off)"
    return f"dropped, refilled with fresh prompts (at most {ds.max_refills} extra generation rounds per batch)"


def optimizer(config) -> str:
    name = optimizer_name(config)
    return f"{name} (bitsandbytes, CUDA only)" if "8bit" in name else name


def sft_summary(recipe, config) -> str:
    n = count_prompts(recipe.data)
    per_step = config.per_device_train_batch_size * world_size() * config.gradient_accumulation_steps
    if config.max_steps and config.max_steps > 0:
        steps = config.max_steps
    else:
        steps = None if n is None else max(1, n // per_step) * int(config.num_train_epochs)
    examples = [
        f"training examples:         {n if n is not None else 'unknown until downloaded'}",
        f"examples per optimizer step: {per_step}",
        f"total optimizer steps:     {steps if steps is not None else 'unknown (example count unknown offline)'}",
        f"epochs over the data:      {f'{steps * per_step / n:.2f}' if steps and n else 'unknown'}",
    ]
    rs = recipe.get("rejection_sampling")
    if rs:  # the examples are the samples the rewards accept: known only once sampled
        most = f"{n * min(rs.k, rs.keep_per_problem)}" if n is not None else "unknown"
        accepted = (
            f"the accepted samples: {rs.k} per problem of {n if n is not None else '?'} at temperature "
            f"{rs.temperature}, kept when {', '.join(recipe.rewards)} all give 1.0 (at most {most})"
        )
        examples = [
            f"training examples:         {accepted}",
            f"rounds:                    {rs.rounds} (each samples from the one before)",
            f"examples per optimizer step: {per_step}",
            f"total optimizer steps:     {config.max_steps if config.max_steps and config.max_steps > 0 else 'set by the accepted count'}",
        ]  # fmt: skip
    lines = [
        f"processes:                 {world_size()}",
        *examples,
        f"loss on:                   {'whole sequence' if config.completion_only_loss is False else 'completion only'}",
        f"max length (tokens):       {config.max_length}",
        f"precision:                 {precision(recipe, config)}",
        f"attention:                 {attention(recipe)}",
        f"weights trained:           {weights_trained(recipe.model)}",
        f"optimizer:                 {optimizer(config)}",
        f"output dir:                {config.output_dir}",
    ]
    if recipe.get("warm_start"):
        from grpo_math.warm_start import describe

        lines.append(f"starts from:               {describe(recipe)}")
    return "preflight (SFT):\n  " + "\n  ".join(lines)


def summary(recipe, config) -> str:
    if recipe.task == "sft":
        return sft_summary(recipe, config)
    n = count_prompts(recipe.data)
    steps = total_steps(config, n)
    g = config.num_generations
    completions = config.per_device_train_batch_size * world_size() * config.gradient_accumulation_steps
    lines = [
        f"processes:                 {world_size()}",
        f"training prompts:          {n if n is not None else 'unknown until downloaded'}",
        f"prompts per optimizer step: {completions // g}",
        f"generations per prompt:    {g}",
        f"completions per step:      {completions}",
        f"total optimizer steps:     {steps if steps is not None else 'unknown (prompt count unknown offline)'}",
        f"generation:                {where_generation_runs(config)}",
        f"precision:                 {precision(recipe, config)}",
        f"attention:                 {attention(recipe)}",
        f"weights trained:           {weights_trained(recipe.model)}",
        f"optimizer:                 {optimizer(config)}",
        f"rewards:                   {', '.join(f'{k} x{v.weight:g}' for k, v in recipe.rewards.items())}",
        f"groups that all score the same: {dynamic_sampling(recipe)}",
        f"output dir:                {config.output_dir}",
    ]
    if recipe.get("warm_start"):
        from grpo_math.warm_start import describe

        lines.append(f"warm start:                {describe(recipe)}")
    from grpo_math.run_checks import model_unreachable

    problem = model_unreachable(recipe.model.name_or_path, "model.name_or_path")
    if problem:  # a dry run goes on (it loads no weights); the run itself would stop here
        lines.append(f"model:                     NOT LOADABLE HERE: {problem.removeprefix('offline: ')}")
    return "preflight:\n  " + "\n  ".join(lines)
