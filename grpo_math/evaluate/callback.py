"""In-training evaluation: before step 0, every eval.every steps and at the end, on the live policy.

Each evaluation writes `<output_dir>/eval/step_<N>.json` (the shape of eval_results.json; the curves plotter and
the model card read these) and, unless eval.save_samples=false, `step_<N>.samples.jsonl` (each problem's completions
and grades, also a W&B table `eval_samples/<dataset>`) and logs `eval_<dataset>/<metric>` through the trainer's log,
which W&B and TensorBoard rename to `eval/<dataset>/<metric>` (transformers' rewrite_logs, the same path as
Trainer.evaluate's metrics).
"""

import time
from contextlib import contextmanager
from pathlib import Path

from transformers import Trainer, TrainerCallback

from grpo_math.callbacks.wandb_run import log_to_wandb
from grpo_math.evaluate.runner import check_eval, evaluate, hf_generator, load_eval_problems, write_report

NOT_LOGGED = ("n", "k", "prompt")  # in the JSON only: they do not change during a run


@contextmanager
def without_training_autocast(model):
    """The model's own forward while evaluating: accelerate wraps a mixed-precision run's forward in autocast (bf16 on
    a GPU, or a CPU with AMX), and the baselines (grpo_math.evaluate.stages) are scored on a freshly loaded model
    without it, so the step-N scores must be too, or a paired difference would partly be the precision's."""
    autocast_forward, own_forward = model.__dict__.get("forward"), model.__dict__.get("_original_forward")
    if autocast_forward is None or own_forward is None:
        yield
        return
    model.forward = own_forward
    try:
        yield
    finally:
        model.forward = autocast_forward


def step_file(output_dir, step: int) -> Path:
    return Path(output_dir) / "eval" / f"step_{step}.json"


class EvalCallback(TrainerCallback):
    def __init__(self, trainer, recipe, problems: dict | None = None):
        """`problems`: the run's eval problems, loaded once (grpo_math.evaluate.runner.load_eval_problems)."""
        check_eval(recipe)
        self.trainer = trainer
        self.recipe = recipe
        self.problems = load_eval_problems(recipe) if problems is None else problems  # every evaluation asks these
        self.seconds = 0.0  # time spent evaluating, which the model card takes out of the training throughput
        self.steps: list[int] = []  # steps evaluated, in order

    def on_train_begin(self, args, state, control, **kwargs):
        if state.global_step == 0:  # a resumed run's starting point was evaluated (or not) by the run it resumes
            self._evaluate(args, state)

    def on_step_end(self, args, state, control, **kwargs):
        every = self.recipe.eval.every
        # The last step: evaluate the final policy here, inside the loop, while the loggers are still open. A run
        # stopped early (a signal) is not final: its checkpoint is evaluated when the resumed run gets there.
        if (every and state.global_step % every == 0) or state.global_step >= state.max_steps:
            self._evaluate(args, state)

    def on_train_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps:
            self._evaluate(args, state)  # no-op when on_step_end did it

    def _evaluate(self, args, state) -> None:
        if not self.problems or (self.steps and self.steps[-1] == state.global_step):
            return
        from trl.models import unwrap_model_for_generation

        trainer, start = self.trainer, time.perf_counter()
        # Every process evaluates its share (ZeRO-3/FSDP generation is collective); the main process writes.
        with (
            unwrap_model_for_generation(
                trainer.model_wrapped, trainer.accelerator, gather_deepspeed3_params=args.ds3_gather_for_generation
            ) as model,
            without_training_autocast(model),
        ):
            was_training = model.training
            model.eval()  # no dropout; torch.no_grad() is inside generate_hf
            try:
                generate = hf_generator(model, trainer.processing_class, self.recipe.eval)
                report = evaluate(self.problems, generate, trainer.processing_class,
                                  model_name=self.recipe.model.name_or_path, step=state.global_step)  # fmt: skip
            finally:
                model.train(was_training)
        self.seconds += time.perf_counter() - start
        self.steps.append(state.global_step)
        if state.is_world_process_zero:
            write_report(report, step_file(args.output_dir, state.global_step), samples=self.recipe.eval.save_samples)
            if self.recipe.eval.save_samples:
                log_samples_to_wandb(report, state.global_step)
        logs = {f"eval_{name}/{key}": v for name, m in report["datasets"].items() for key, v in m.items()
                if key not in NOT_LOGGED}  # fmt: skip
        # Trainer.log, not GRPOTrainer.log: GRPO's would fold in (and clear) the training metrics it is averaging
        # for this step's own log line. Logging clears control.should_log, which that line still needs.
        should_log = trainer.control.should_log
        Trainer.log(trainer, logs)
        trainer.control.should_log = should_log


SAMPLES_KEY = "eval_samples/{}"  # one W&B table per dataset and evaluation: each completion, its answer, right or not
SAMPLE_COLUMNS = ["step", "question", "gold", "completion", "answer", "correct", "strict_correct"]


def log_samples_to_wandb(report: dict, step: int) -> None:
    """Every completion of this evaluation as a W&B table (if a run is open), so the dashboard shows which problems
    the policy gets wrong at each evaluation, beside the accuracy curve."""
    import wandb

    if wandb.run is None:
        return
    for name, records in report.get("samples", {}).items():
        table = wandb.Table(columns=SAMPLE_COLUMNS, allow_mixed_types=True)
        for r in records:
            for row in zip(r["completions"], r["answers"], r["correct"], r["strict_correct"], strict=True):
                table.add_data(step, r["question"], r["gold"], *row)
        log_to_wandb({SAMPLES_KEY.format(name): table}, step)
