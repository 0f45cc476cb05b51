"""Tokenizer and policy from a recipe's `model` section: a hub id, a local dir, or an embedded short name."""

import functools
import warnings
from pathlib import Path

from grpo_math.embedded import EMBEDDED_MODELS, materialize
from grpo_math.errors import RecipeError

DTYPES = ("auto", "bfloat16", "float16", "float32")


def resolve_model_path(name_or_path: str) -> str:
    """Embedded short name -> its materialised checkpoint; a local dir or hub id is returned as is."""
    if name_or_path in EMBEDDED_MODELS:
        return str(materialize(name_or_path))
    path = Path(name_or_path).expanduser()
    if path.exists() and not (path / "config.json").is_file():
        raise RecipeError(f"model dir {path} has no config.json: point model.name_or_path at a saved checkpoint")
    return str(path) if path.exists() else name_or_path


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def cpu_has_amx() -> bool:
    """AMX tiles (Intel Sapphire Rapids and later): bf16 matrix products in hardware, with fp32 accumulation."""
    import torch

    return torch.cpu._is_amx_tile_supported()


def cpu_precision(trainer_cfg: dict) -> dict:
    """Mixed precision on a CPU-only machine: bf16 autocast where the recipe asks for it and the CPU has AMX, else fp32.

    Measured on the quickstart (an AMX Xeon, benchmarks/cpu_step.py, alternating with fp32, three runs): a GRPO step
    1.22-1.32x as fast, its cold start's LoRA SFT 1.14-1.23x; on a CPU with avx512_bf16 but no AMX a forward+backward
    took 19 s instead of 10.5. So bf16 on a CPU without AMX quietly trains in fp32, which preflight's precision line
    states: a recipe can ask for bf16 and run its fastest on either. fp16 has no fast CPU path at all. TRL's configs
    default bf16 to True (for GPUs), so a recipe that is silent trains in fp32 here.
    """
    if cuda_available():
        return trainer_cfg
    if trainer_cfg.get("fp16"):
        warnings.warn("no CUDA device: training in fp32 instead of fp16 mixed precision", stacklevel=2)
    bf16 = trainer_cfg.get("bf16") is True and cpu_has_amx()
    # transformers refuses bf16 without a GPU unless told the CPU is meant (use_cpu, which changes nothing else here)
    return {**trainer_cfg, "bf16": bf16, "fp16": False, **({"use_cpu": True} if bf16 else {})}


def torch_dtype(dtype: str):
    import torch

    if dtype not in DTYPES:
        raise RecipeError(f"model.dtype={dtype!r} is not one of {', '.join(DTYPES)}")
    if dtype == "auto":
        return torch.bfloat16 if cuda_available() else torch.float32
    if not cuda_available() and dtype in ("bfloat16", "float16"):
        return torch.float32  # weights stay fp32 on a CPU; bf16 there is autocast (cpu_precision)
    return getattr(torch, dtype)


def load_tokenizer(model_cfg, path: str, require_chat_template: bool = True):
    """Left-padded tokenizer (batched generation); evaluation decides about a missing chat template per prompt style."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path, revision=model_cfg.get("revision"), padding_side="left")
    except OSError as e:  # not on the hub, no network, a gated repo, a dir without tokenizer files
        raise RecipeError(f"cannot load the tokenizer of {path} (model.name_or_path): {_first_line(e)}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if model_cfg.get("chat_template"):
        from grpo_math.prompts import CHAT_TEMPLATES

        tokenizer.chat_template = CHAT_TEMPLATES.get(model_cfg.chat_template, model_cfg.chat_template)
    if require_chat_template and tokenizer.chat_template is None:
        raise RecipeError(
            f"{model_cfg.name_or_path} has no chat template and the prompts are chat messages: "
            "set model.chat_template or use an -Instruct model"
        )
    return tokenizer


# Families whose attention needs the eager kernel: Gemma-2 soft-caps attention logits, which SDPA/flash skip.
EAGER_ATTENTION = ("gemma2",)


def attention_for(model_cfg, path: str) -> str | None:
    """The recipe's model.attn_implementation, except for EAGER_ATTENTION families: eager, said in one line."""
    asked = model_cfg.get("attn_implementation")
    model_type = model_type_of(path, model_cfg.get("revision"))
    if model_type in EAGER_ATTENTION and asked != "eager":
        print(f"[grpo-math] {model_type}: attention set to eager ({attention_plan(model_cfg, model_type)[1]})")
        return "eager"
    return asked


def attention_plan(model_cfg, model_type: str | None) -> tuple[str, str]:
    """(the attention kernel a run of this model will use, why): forced for the family, the recipe's, or
    transformers' default for the architecture (SDPA where the model class supports it, else eager)."""
    asked = model_cfg.get("attn_implementation")
    if model_type in EAGER_ATTENTION and asked != "eager":
        overridden = f"; the recipe's {asked} is overridden" if asked else ""
        return "eager", f"forced for {model_type}: it soft-caps attention logits, which SDPA and flash skip{overridden}"
    if asked:
        return asked, "the recipe's model.attn_implementation"
    if model_type is None:
        forced = ", ".join(EAGER_ATTENTION)
        return "transformers' default", f"the config is not in the local cache yet; {forced} would be forced to eager"
    import transformers
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    cls = getattr(transformers, MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(model_type, ""), None)
    kernel = "sdpa" if getattr(cls, "_supports_sdpa", False) else "eager"
    return kernel, f"transformers' default for {model_type}; model.attn_implementation unset"


def model_type_of(name_or_path: str, revision: str | None = None, cached_only: bool = False) -> str | None:
    """The architecture's model_type from its config alone (no weights), or None where it cannot be read here.
    `cached_only`: a hub model's config only from the local cache (a dry run never waits on the network)."""

    config = model_config(name_or_path, revision, cached_only)
    return config.model_type if config is not None else None


def model_config(name_or_path: str, revision: str | None = None, cached_only: bool = False):
    """The model's transformers config (no weights), or None where it cannot be read here; the embedded model's
    from its GGUF header until it is materialised."""
    from transformers import AutoConfig

    from grpo_math.embedded import EMBEDDED_MODELS, cache_dir

    if name_or_path in EMBEDDED_MODELS:
        target = cache_dir() / "models" / name_or_path
        if not (target / "config.json").is_file():  # not materialised yet: the GGUF's metadata
            return _gguf_config(*EMBEDDED_MODELS[name_or_path])
        name_or_path = str(target)
    if cached_only and not Path(name_or_path).expanduser().exists():
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(name_or_path, "config.json", revision=revision)
        if not isinstance(cached, str):
            return None
        name_or_path = str(Path(cached).parent)
    try:
        return AutoConfig.from_pretrained(name_or_path, revision=revision)
    except (OSError, ValueError):
        return None  # from_pretrained on the weights says what is wrong with the path


@functools.lru_cache(maxsize=4)
def _gguf_config(package: str, filename: str):
    """The transformers config in a GGUF's metadata (its tensors not read; parsed once per process: ~7 s)."""
    from transformers import AutoConfig
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    from grpo_math.embedded import _gguf_path

    fields = load_gguf_checkpoint(str(_gguf_path(package, filename)), return_tensors=False)["config"]
    return AutoConfig.for_model(**{k: v for k, v in fields.items() if not k.startswith("_")})


def load_policy(model_cfg, path: str):
    from transformers import AutoModelForCausalLM

    kwargs = {"dtype": torch_dtype(model_cfg.dtype), "revision": model_cfg.get("revision")}
    attention = attention_for(model_cfg, path)
    if attention:
        kwargs["attn_implementation"] = attention
    if model_cfg.get("load_in_4bit"):  # QLoRA (preflight checked: CUDA, bitsandbytes, model.lora)
        import torch
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )  # fmt: skip
    try:
        return AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except OSError as e:
        raise RecipeError(f"cannot load the model {path} (model.name_or_path): {_first_line(e)}") from None


def _first_line(e: BaseException) -> str:
    return next((line.strip() for line in str(e).splitlines() if line.strip()), type(e).__name__)[:300]


def lora_config(model_cfg):
    """A peft LoraConfig from `model.lora` (None: full fine-tuning). GRPOTrainer applies it itself."""
    lora = model_cfg.get("lora")
    if not lora:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules) if lora.target_modules != "all-linear" else "all-linear",
        task_type="CAUSAL_LM",
    )
