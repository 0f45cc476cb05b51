"""A model's shape from its config alone: exact parameter counts from a model built on torch's meta device (shapes,
no storage, nothing read from disk), and the dimensions the activation and KV-cache estimates need."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelShape:
    model_type: str
    params: int  # every parameter once (tied embeddings once)
    largest_layer: int  # one decoder layer's parameters: what ZeRO-3 / FSDP gather at a time
    output_head: int  # the output projection's parameters (tied or not): what the fused log-prob head multiplies by
    linears: tuple  # (name, in_features, out_features) of every nn.Linear but the output head: LoRA's and 4-bit's reach
    layers: int
    hidden: int
    intermediate: int
    q_dim: int  # attention heads x head dim
    kv_dim: int  # key/value heads x head dim (smaller than q_dim under grouped-query attention)
    heads: int
    vocab: int

    @property
    def linear_params(self) -> int:
        return sum(i * o for _, i, o in self.linears)

    def lora_params(self, r: int, target_modules) -> int:
        """Adapter parameters: r x (in + out) per targeted Linear; "all-linear" is every Linear but the output
        head (peft's rule), a list matches a module's last name (q_proj, ...), as peft does."""
        if target_modules == "all-linear":
            chosen = self.linears
        else:
            names = set(target_modules)
            chosen = [t for t in self.linears if t[0].rsplit(".", 1)[-1] in names]
        return sum(r * (i + o) for _, i, o in chosen)


def model_shape(config) -> ModelShape:
    """The shape of the causal LM `config` describes (a transformers PretrainedConfig)."""
    import torch
    from torch import nn
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    text = config.get_text_config()
    head = model.get_output_embeddings()
    linears = tuple(
        (name, m.in_features, m.out_features)
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear) and m is not head
    )
    blocks = max(
        (m for m in model.modules() if isinstance(m, nn.ModuleList)), key=lambda m: len(m), default=[]
    )  # the decoder layers: the longest ModuleList
    heads = text.num_attention_heads
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // heads
    return ModelShape(
        model_type=config.model_type,
        params=sum(p.numel() for p in model.parameters()),
        largest_layer=max((sum(p.numel() for p in b.parameters()) for b in blocks), default=0),
        output_head=head.weight.numel() if head is not None else 0,
        linears=linears,
        layers=text.num_hidden_layers,
        hidden=text.hidden_size,
        intermediate=getattr(text, "intermediate_size", None) or 4 * text.hidden_size,
        q_dim=heads * head_dim,
        kv_dim=(getattr(text, "num_key_value_heads", None) or heads) * head_dim,
        heads=heads,
        vocab=text.vocab_size,
    )
