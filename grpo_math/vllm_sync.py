"""The policy's weights into a colocated vLLM engine on a backend where TRL's weight sync cannot update them.

TRL's colocate sync hands vLLM one parameter at a time (`model.load_weights([(name, param)])`). vLLM's CPU backend
repacks each linear layer's weight for its kernels once loading finishes and replaces the parameter, so a second
per-parameter load finds no `weight_loader` and fails. vLLM's own `reload_weights(weights_iterator=...)` runs a
layerwise reload: it restores the checkpoint-format parameters, loads every weight given, and repacks again.

`use_layerwise_reload(trainer)` swaps TRL's sync for that one on the trainer's VLLMGeneration, only where the
engine in use runs on vLLM's CPU platform and in colocate mode; GPU runs keep TRL's sync untouched. The weights are
TRL's own iterator (`_iter_named_params`: PEFT adapters merged, names as vLLM expects them), so nothing of how TRL
chooses what to send is re-implemented. The private names touched are pinned by tests/test_vllm.py.
"""

import types


def engine_runner(llm):
    """The model runner of an in-process vLLM engine (TRL's colocate mode uses the external-launcher executor)."""
    return llm.llm_engine.model_executor.driver_worker.model_runner


def on_cpu_platform() -> bool:
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


def use_layerwise_reload(trainer) -> bool:
    """Route the trainer's colocated weight sync through vLLM's layerwise reload where the backend needs it.
    Returns whether it did (the timing split and the model card say which sync ran)."""
    generation = getattr(trainer, "vllm_generation", None)
    if generation is None or generation.mode != "colocate" or not on_cpu_platform():
        return False
    generation.sync_weights = types.MethodType(_reload_sync, generation)
    return True


def _reload_sync(generation) -> None:
    """VLLMGeneration.sync_weights for vLLM's CPU backend: every weight in one layerwise reload, then the prefix
    cache reset (its blocks hold keys and values of the old weights)."""
    engine_runner(generation.llm).reload_weights(weights_iterator=generation._iter_named_params())
    generation.llm.reset_prefix_cache()
