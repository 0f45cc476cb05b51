"""The model a finished run leaves in its output dir: always complete and loadable (eval, a warm start, the hub).

A LoRA run keeps its adapter in `<output_dir>/adapter` and writes the base with the adapter merged into it, so
`launch/eval.py model.name_or_path=<output_dir>` and `warm_start.checkpoint=<output_dir>` work the same for full
fine-tuning and LoRA, SFT and GRPO.
"""

import os


def save_final(trainer, output_dir: str) -> None:
    """A complete model in output_dir; with LoRA the adapter goes to output_dir/adapter and is merged into the base."""
    if not _is_peft(trainer):
        trainer.save_model(output_dir)
        return
    adapter_dir = os.path.join(output_dir, "adapter")
    trainer.save_model(adapter_dir)  # gathers sharded weights under FSDP/ZeRO; writes on the main process only
    if trainer.accelerator.is_main_process:
        from peft import AutoPeftModelForCausalLM

        merged = AutoPeftModelForCausalLM.from_pretrained(adapter_dir, dtype=trainer.model.dtype).merge_and_unload()
        merged.save_pretrained(output_dir)
        trainer.processing_class.save_pretrained(output_dir)
    trainer.accelerator.wait_for_everyone()


def _is_peft(trainer) -> bool:
    from peft import PeftModel

    return isinstance(trainer.accelerator.unwrap_model(trainer.model), PeftModel)
