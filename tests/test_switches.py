"""The GRPO_MATH_* switches: on unless set to 0, and anything else refused in one line that says what 0 means."""

import pytest

from grpo_math.errors import RecipeError
from grpo_math.switches import INVERSE_CDF, KEEP_HEAP, SHARED_PROMPTS, switched_on


@pytest.mark.parametrize("name", [SHARED_PROMPTS, INVERSE_CDF, KEEP_HEAP])
@pytest.mark.parametrize("value", ["false", "no", ""])
def test_an_unreadable_switch_is_refused_in_one_line(name, value, monkeypatch):
    monkeypatch.setenv(name, value)
    with pytest.raises(RecipeError, match=rf"{name}='{value}' must be 0 \(.+\) or 1 \(default\)"):
        switched_on(name)
    monkeypatch.setenv(name, "0")
    assert switched_on(name) is False
    monkeypatch.delenv(name)
    assert switched_on(name) is True
