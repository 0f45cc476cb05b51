"""The bounds every step of reading math stays within: by size, not by time, so no parse needs `signal`."""

MAX_LENGTH = 500  # characters of (normalised) text read at all
MAX_DIGITS = 1000  # digits in one number literal
MAX_BITS = 4000  # size of any exact intermediate value (about 1200 digits)
MAX_EXPONENT = 10_000
MAX_DEPTH = 40  # bracket / sign nesting
MAX_ITEMS = 64  # elements of one list, set, tuple, union or matrix


class Unparseable(ValueError):
    """Not math this parser reads, or too big to compute safely."""
