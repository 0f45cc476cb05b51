"""GRPOTrainer plus what no callback can see: the time of each GRPO phase, the gold answer beside each sampled
completion, and how many completions of each batch are correct and well formatted.

Callbacks get the trainer's state and the logged numbers, not the batch or the phases inside a step, so a few
methods are wrapped (each calls super(); nothing of TRL's is re-implemented). The numbers go into TRL's own
per-step metrics, so they are averaged, logged and sent to W&B/TensorBoard like TRL's `rewards/<name>/mean`.
Callbacks that want the batch's rows (the completion table) implement `on_completions(args, state, rows)`.
With a recipe's `dynamic_sampling` section, groups that all scored the same are dropped and refilled with fresh
prompts (grpo_math.dynamic_sampling) before TRL buffers the batch. When transformers generates, each group's prompt
is prefilled once (grpo_math.shared_prefill), LoRA adapters are merged for the call, and on a CPU each sampled token
is drawn by inverse CDF (grpo_math.cpu_sampling); the training pass reads each group's prompt once too
(grpo_math.shared_prompt_pass).
With vLLM colocated on its CPU backend, the weight sync goes through vLLM's layerwise reload (grpo_math.vllm_sync).
"""

import contextlib
import math
import os

import torch
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from trl import GRPOTrainer

from grpo_math.callbacks.completions import batch_quality, score_rows
from grpo_math.callbacks.timing import StepClock, StepTimer
from grpo_math.cpu_sampling import inverse_cdf_on, tokens_by_inverse_cdf
from grpo_math.dynamic_sampling import RefillOrder, concat_batches, informative_groups, take_rows
from grpo_math.shared_prefill import prompts_shared
from grpo_math.shared_prompt_pass import completion_logps_sharing_prompts
from grpo_math.switches import SHARED_PROMPTS, switched_on
from grpo_math.transformers_compat import activation_checkpointing
from grpo_math.vllm_sync import use_layerwise_reload


class GRPOMathTrainer(GRPOTrainer):
    def __init__(self, *args, prompt_style: str = "xml", max_refills: int | None = None, accuracy_window: int = 20,
                 **kwargs):  # fmt: skip
        """`prompt_style`: the recipe's data.prompt; the batch format rate (strict XML) is judged only for xml.
        `max_refills`: None = keep every group (TRL's behaviour); N = dynamic sampling with at most N refills.
        `accuracy_window`: logged steps `batch/accuracy_avg` averages over (the alarms' window; 0 = not logged)."""
        super().__init__(*args, **kwargs)
        self.judge_xml = prompt_style == "xml"
        self.accuracy_window = accuracy_window
        self.step_timer = StepTimer()
        self.add_callback(StepClock(self.step_timer, self._record_train_metrics))
        self._fresh_rows = None  # the newest generation batch's rows, until a log hands them on
        self.max_refills = max_refills  # preflight checked it: whole groups on every process
        # Fresh prompts for refills: their own seeded order per rank (saved with each checkpoint)
        self._refills = RefillOrder(len(self.train_dataset), self.args.seed + 7919 * self.accelerator.process_index)
        self.share_prompts = switched_on(SHARED_PROMPTS)
        self.inverse_cdf = inverse_cdf_on(self.accelerator.device)
        # vLLM's CPU backend repacks its weights, which TRL's per-parameter sync cannot update: its own reload can
        self.vllm_sync = "layerwise reload" if self.use_vllm and use_layerwise_reload(self) else "trl"

    # --- timing: each wrapper adds its phase to the step's sums ---------------------------------------------
    def training_step(self, model, inputs, num_items_in_batch=None):
        with self.step_timer.phase("micro_step"):
            return super().training_step(model, inputs, num_items_in_batch)

    def _generate(self, prompts):
        with (
            self.step_timer.phase("generation"),
            adapters_merged(self.model, self._merge_for_generation()),
            prompts_shared(self.model, self.num_generations, self.share_prompts and self._transformers_generate()),
            # One autocast region around the whole call (a no-op without mixed precision): autocast keeps its bf16
            # copy of each trainable fp32 weight until the outermost region exits, so the weights are cast once per
            # call, not at every decode step as accelerate's per-forward autocast alone does. Measured on the
            # quickstart batch (benchmarks/cpu_levers.py, AMX CPU): 0.66x fp32's generation rate without, 1.34x with.
            self.accelerator.autocast(),
            tokens_by_inverse_cdf(self.inverse_cdf and self._transformers_generate()),
        ):
            out = super()._generate(prompts)
        if self.model.training:
            self.step_timer.add_tokens("generation", sum(len(ids) for ids in out[1]))  # out[1]: completion ids
        return out

    def _get_per_token_logps_and_entropies(self, model, input_ids, attention_mask, logits_to_keep, batch_size=None,
                                           compute_entropy=False, compute_aux_loss=False, **inputs):  # fmt: skip
        """TRL's, with each group's prompt read once (grpo_math.shared_prompt_pass) where the rows are text only and
        the model's forward can be entered twice before a backward: not under DeepSpeed or FSDP (their hooks gather
        and free shards per forward), nor activation checkpointing (its recomputation would fill the cache twice)."""
        bare = self.accelerator.unwrap_model(model)  # runs the prompts; a DDP wrapper is entered once, by `model`
        plain = (
            not self.share_prompts
            or compute_aux_loss
            or any(v is not None for v in inputs.values())
            or self.is_deepspeed_enabled
            or self.is_fsdp_enabled
            or activation_checkpointing(self.args)
            or getattr(bare, "is_activation_checkpointing", False)
        )
        if plain:
            return super()._get_per_token_logps_and_entropies(model, input_ids, attention_mask, logits_to_keep,
                                                              batch_size, compute_entropy, compute_aux_loss, **inputs)  # fmt: skip
        size = batch_size or input_ids.shape[0]
        parts = []
        for start in range(0, input_ids.shape[0], size):  # TRL's chunks, each sharing within itself
            ids, mask = input_ids[start : start + size], attention_mask[start : start + size]
            with self.accelerator.autocast():
                shared = completion_logps_sharing_prompts(bare, model, ids, mask, logits_to_keep, compute_entropy)
            parts.append(shared or super()._get_per_token_logps_and_entropies(
                model, ids, mask, logits_to_keep, compute_entropy=compute_entropy)[:2])  # fmt: skip
        logps = torch.cat([p[0] for p in parts])
        entropies = torch.cat([p[1] for p in parts]) if compute_entropy else None
        return logps, entropies, None

    def _whole_weights_here(self) -> bool:
        """Does this process generate from the policy's whole weights (not vLLM's copy, not DeepSpeed/FSDP shards)?"""
        return not (self.use_vllm or self.is_deepspeed_enabled or self.is_fsdp_enabled)

    def _transformers_generate(self) -> bool:
        """Does TRL call the model's own `generate` on whole weights here (not continuous batching's engine)?"""
        return self._whole_weights_here() and not self.args.use_transformers_continuous_batching

    def _merge_for_generation(self) -> bool:
        """LoRA adapters merged into the weights while transformers generates: an unmerged adapter adds two small
        matmuls to every linear layer at every decode step, per-token overhead that costs a CPU step ~40%. Only with
        fp32 weights (merge + unmerge then restores them within float rounding) held whole on this process (vLLM
        merges for itself; DeepSpeed ZeRO-3 and FSDP shard them)."""
        from peft import PeftModel

        if not self._whole_weights_here() or not isinstance(self.model, PeftModel):
            return False
        return all(p.dtype == torch.float32 for p in self.model.get_base_model().parameters())

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        with self.step_timer.phase("reward"):
            return super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.model.training:
            self.step_timer.add_tokens("train", int(inputs["prompt_mask"].sum() + inputs["completion_mask"].sum()))
        return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

    def _record_train_metrics(self, metrics: dict) -> None:
        for key, value in metrics.items():
            self._metrics["train"][key].append(value)

    # --- exact resume: the generation buffer and the micro-step counter travel with each checkpoint ------------
    # TRL generates once per steps_per_generation x num_iterations micro-steps and replays the buffer in between;
    # it keeps neither across a restart (its counter restarts at 0, the buffer is regenerated), so a run resumed
    # mid-buffer would sample different completions than the uninterrupted one.
    def _save_checkpoint(self, model, trial):
        super()._save_checkpoint(model, trial)
        folder = os.path.join(self._get_output_dir(trial=trial), f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}")
        os.makedirs(folder, exist_ok=True)
        state = {
            "step": self._step,
            "buffered_inputs": self._buffered_inputs,
            "refills": self._refills.state_dict(),
        }
        torch.save(state, os.path.join(folder, _buffer_file(self.accelerator.process_index)))
        self.accelerator.wait_for_everyone()  # every rank's buffer is written before the checkpoint is marked complete

    def create_model_card(self, *args, **kwargs):
        """TRL writes its card into output_dir at every checkpoint, so an interrupted run would look finished; the
        run's card (grpo_math.card, measured values) is written once training has finished."""

    def _load_optimizer_and_scheduler(self, checkpoint):
        super()._load_optimizer_and_scheduler(checkpoint)
        if checkpoint is None:
            return
        path = os.path.join(checkpoint, _buffer_file(self.accelerator.process_index))
        if os.path.isfile(path):
            state = torch.load(path, map_location=self.accelerator.device, weights_only=False)  # our own file
            self._step, self._buffered_inputs = state["step"], state["buffered_inputs"]
            if "refills" in state:
                self._refills.load_state_dict(state["refills"])
        else:  # a checkpoint of plain TRL: the counter is still known, the buffer is regenerated
            self._step = self.state.global_step * self.args.gradient_accumulation_steps

    # --- the batch: gold answers beside completions, accuracy and format rate --------------------------------
    def _generate_and_score_completions(self, inputs):
        if not self.model.training or self.max_refills is None:
            return self._generate_and_score_once(inputs)
        return self._informative_batch(inputs)

    def _generate_and_score_once(self, inputs):
        training = self.model.training
        if training and "answer" in inputs[0]:
            # TRL's log_extra channel: gathered across processes and kept beside each completion in self._logs.
            self._log_completion_extra("gold", [str(x["answer"]) for x in inputs])
        with self.step_timer.phase("generate_and_score"):
            out = super()._generate_and_score_completions(inputs)
        if training and self.accelerator.is_main_process:
            rows = score_rows(
                self._latest_batch(), self.reward_func_names, self.reward_weights.tolist(), self.judge_xml
            )
            quality = batch_quality(rows)
            if "batch/accuracy" in quality and self.accuracy_window:
                quality["batch/accuracy_avg"] = self._accuracy_average(quality["batch/accuracy"])
            self._record_train_metrics(quality)
            self._fresh_rows = rows
        return out

    # --- dynamic sampling: a batch of groups that carry a gradient ----------------------------------------------
    def _informative_batch(self, inputs):
        """Generate and score; keep groups with any non-zero advantage; refill with fresh prompts until as many rows
        as TRL asked for are kept or max_refills rounds are spent (then train on fewer rows, never on none)."""
        wanted, g = len(inputs), self.num_generations
        kept, n_kept, generated, rounds, batch = [], 0, 0, 0, None
        while True:
            batch = self._generate_and_score_once(inputs)
            keep = informative_groups(batch["advantages"], g)
            kept.append(take_rows(batch, keep.nonzero().squeeze(1)))
            n_kept, generated = n_kept + int(keep.sum()), generated + len(inputs) // g
            more = torch.tensor(float(n_kept < wanted and rounds < self.max_refills), device=self.accelerator.device)
            if self.accelerator.reduce(more, reduction="sum").item() == 0:  # every rank stops on the same round
                break
            rounds += 1
            inputs = self._fresh_prompts(wanted // g)
        # TRL splits the buffer into steps_per_generation equal slices; whole groups too when there are enough, so
        # that no group is cut short (its advantages, computed on all of it, would no longer sum to zero)
        spg = self.args.steps_per_generation
        unit = math.lcm(g, spg) if n_kept >= math.lcm(g, spg) else spg
        rows = min(n_kept, wanted) // unit * unit
        if rows == 0:  # nothing informative this time: one slice of zero-advantage rows keeps the step's shapes
            out, rows = batch, spg
        else:
            out = concat_batches([k for k in kept if len(k["advantages"])], self.processing_class.pad_token_id)
        out = take_rows(out, torch.arange(rows))
        loss_mask = (
            out["completion_mask"] if out.get("tool_mask") is None else out["completion_mask"] * out["tool_mask"]
        )
        out["num_items_in_batch"] = self.accelerator.gather(loss_mask.sum()).sum()  # the loss normaliser, recounted
        counts = torch.tensor([generated, generated - n_kept // g, rounds, rows], device=self.accelerator.device)
        generated, dropped, rounds, rows = self.accelerator.reduce(counts.float(), reduction="sum").tolist()
        self._record_train_metrics({
            "dynamic_sampling/groups_generated": generated,
            "dynamic_sampling/groups_dropped": dropped,  # all completions scored the same: no gradient
            "dynamic_sampling/refills": rounds / self.accelerator.num_processes,
            "dynamic_sampling/batch_fill": rows / (wanted * self.accelerator.num_processes),
        })  # fmt: skip
        return out

    def _accuracy_average(self, now: float) -> float:
        """This batch's accuracy averaged with the logged steps' before it, over the window: the log history (restored
        on resume) is the memory, so a resumed run's average continues the killed one's."""
        recent = [now]
        for logged in reversed(self.state.log_history):  # newest first: a long run's history is not re-read each step
            if len(recent) >= self.accuracy_window:
                break
            if "batch/accuracy" in logged:
                recent.append(logged["batch/accuracy"])
        return sum(recent) / len(recent)

    def _fresh_prompts(self, groups: int) -> list[dict]:
        return [self.train_dataset[i] for i in self._refills.take(groups) for _ in range(self.num_generations)]

    def _latest_batch(self) -> list[dict]:
        """TRL's self._logs holds the latest (gathered) generation batch as columns: turn it into rows."""
        logs = self._logs
        columns = {
            "prompt": logs["prompt"],
            "completion": logs["completion"],
            "gold": logs["extra"].get("gold", ()),
            "advantage": logs["advantages"],
            **logs["rewards"],
        }
        columns = {key: list(values) for key, values in columns.items()}
        n = len(columns["completion"])
        return [{key: values[i] if i < len(values) else None for key, values in columns.items()} for i in range(n)]

    def log(self, logs, start_time=None):
        super().log(logs, start_time)
        rows, self._fresh_rows = self._fresh_rows, None
        if rows:  # only a batch not handed on yet: steps that reuse a batch add no table rows
            rows = [{"step": self.state.global_step, **row} for row in rows]
            for callback in self.callback_handler.callbacks:
                if hasattr(callback, "on_completions"):
                    callback.on_completions(self.args, self.state, rows)


@contextlib.contextmanager
def adapters_merged(model, merge: bool):
    """Within the block, the PEFT model's active adapters are merged into its base weights (no-op if not `merge`)."""
    if not merge:
        yield
        return
    model.merge_adapter()
    try:
        yield
    finally:
        model.unmerge_adapter()


def _buffer_file(rank: int) -> str:
    return f"grpo_generation_buffer_rank{rank}.pt"
