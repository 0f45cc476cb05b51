"""Prompt styles: the system prompt a recipe asks for and the completion shape that satisfies it.

One place, shared by the data adapters (what the model is asked), the rewards check (gold completions in
the asked-for shape) and the evaluator (which format is "strict").
"""

from dataclasses import dataclass

# The reference run's system prompt (../shared/references, Qwen2.5-0.5B GRPO on GSM8K), verbatim.
XML_SYSTEM_PROMPT = """
Respond in the following format:
<reasoning>
...
</reasoning>
<answer>
...
</answer>
"""


@dataclass(frozen=True)
class PromptStyle:
    name: str
    system_prompt: str | None  # None: no system message
    user_template: str  # formats {question} (and {options} for multiple choice)

    def format_completion(self, reasoning: str, answer: str) -> str:
        """A completion in exactly the shape this style asks for (used for gold completions and SFT targets)."""
        if self.name == "xml":
            return f"<reasoning>\n{reasoning}\n</reasoning>\n<answer>\n{answer}\n</answer>"
        if self.name == "metamath":
            return f" {reasoning}\nThe answer is: {answer}"
        if self.name == "alpaca":
            return f"\n{reasoning}\nThe answer is {answer}." if answer else f"\n{reasoning}"
        if self.name == "boxed":
            if "\\boxed" in reasoning:  # MATH solutions box their own answer
                return reasoning
            return f"{reasoning}\nThe final answer is $\\boxed{{{answer}}}$."
        if self.name == "mathqa":
            return f"{reasoning}\nThe answer is ({answer})."
        raise AssertionError(self.name)

    def messages(self, question: str, **fields: str) -> list[dict[str, str]]:
        """Chat messages for one problem (TRL's conversational `prompt`)."""
        user = self.user_template.format(question=question, **fields)
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        return [*system, {"role": "user", "content": user}]


XML = PromptStyle("xml", XML_SYSTEM_PROMPT, "{question}")
# MetaMath's Alpaca template (MetaMath reference), sent as the user turn; answers "The answer is: X".
METAMATH = PromptStyle(
    "metamath",
    None,
    "Below is an instruction that describes a task. Write a response that appropriately completes the "
    "request.\n\n### Instruction:\n{question}\n\n### Response: Let's think step by step.",
)
# MAmmoTH's Alpaca template (MathInstruct's own), sent as the user turn; a CoT answer ends "The answer is X."
ALPACA = PromptStyle(
    "alpaca",
    None,
    "Below is an instruction that describes a task. Write a response that appropriately completes the "
    "request.\n\n### Instruction:\n{question}\n\n### Response:",
)
# MATH-style: reason, then put the final answer in \boxed{} (MATH reference).
BOXED = PromptStyle("boxed", "Solve the problem step by step. Put the final answer in \\boxed{}.", "{question}")
# MathQA multiple choice with five options a-e (mathGemma reference): answer with the letter.
MATHQA = PromptStyle(
    "mathqa",
    "Solve the multiple-choice math problem step by step, then finish with 'The answer is (x).' where x is "
    "the letter of the correct option.",
    "{question}\nOptions: {options}",
)


def with_system_prompt(messages: list[dict], system_prompt: str | None) -> list[dict]:
    """`messages` with their system turn replaced by `system_prompt` (a recipe's data.system_prompt; None: as they
    are). Training data and evaluation both ask through this, so a model is scored on the prompt it learned from."""
    if system_prompt is None:
        return messages
    return [{"role": "system", "content": system_prompt}] + [m for m in messages if m["role"] != "system"]


def options_text(options: dict[str, str]) -> str:
    """{'a': '12', 'b': '16'} -> 'a) 12, b) 16': how every prompt shows multiple-choice options (training and eval)."""
    return ", ".join(f"{letter}) {text}" for letter, text in options.items())


# Chat templates by name (model.chat_template: plain), for base models that have none. `plain` writes the turns as
# bare text, the way the MetaMath and MAmmoTH cards prompt: system and user turns joined by a blank line, the
# assistant turn appended right after them (its own leading space or newline is the prompt style's), then EOS.
CHAT_TEMPLATES = {
    "plain": (
        "{%- for m in messages -%}"
        "{%- if m['role'] == 'assistant' -%}{{ m['content'] + eos_token }}"
        "{%- else -%}{{ m['content'] }}"
        "{%- if not loop.last and messages[loop.index0 + 1]['role'] != 'assistant' %}{{ '\n\n' }}{% endif -%}"
        "{%- endif -%}"
        "{%- endfor -%}"
    ),
}


def get_prompt_style(name: str) -> PromptStyle:
    """A prompt style by name: the `grpo_math.prompts` entry-point group (built-ins included) or register_prompt."""
    from grpo_math import plugins

    return plugins.load_as("prompts", name, PromptStyle)


def register_prompt(style: PromptStyle) -> PromptStyle:
    """Make a prompt style available to recipes in this process (installed packages use the entry-point group)."""
    from grpo_math import plugins

    plugins.register("prompts", style.name, style)
    return style
