"""One exception type for every mistake a user can fix: the message is one line and names the fix."""

import difflib
from collections.abc import Iterable


class RecipeError(ValueError):
    """A recipe, dataset, plugin or command line that cannot work; the message says what to change."""


def did_you_mean(given: str, valid: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest valid name, or '' when nothing is close."""
    close = difflib.get_close_matches(given, list(valid), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""
