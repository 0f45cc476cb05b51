"""The reference run's XML shape, `<reasoning>...</reasoning><answer>...</answer>`, strict or lenient."""

import re

_STRICT = re.compile(r"<reasoning>\n(.+?)\n</reasoning>\n<answer>\n(.+?)\n</answer>\n?", re.DOTALL)
_LENIENT = re.compile(r"\s*<reasoning>(.+?)</reasoning>\s*<answer>(.+?)</answer>\s*", re.DOTALL)
_XML_TAGS = ("<reasoning>", "</reasoning>", "<answer>", "</answer>")


def has_xml_format(text: str, strict: bool = True) -> bool:
    """<reasoning>...</reasoning><answer>...</answer> as the whole completion, each tag exactly once.

    strict: the reference run's newlines exactly (`<reasoning>\\n...\\n</reasoning>\\n<answer>\\n...\\n</answer>`,
    optionally one final newline); lenient: any whitespace around and between the blocks. Reasoning may span lines.
    Nothing but whitespace may follow </answer>: ending right after it (EOS) is the normal, full-credit case.
    """
    if any(text.count(tag) != 1 for tag in _XML_TAGS):  # linear; also keeps the lazy regex below linear
        return False
    m = (_STRICT if strict else _LENIENT).fullmatch(text)
    return m is not None and not m.group(2).isspace()


# "a ) 12": the letter, any repeat of it ("a ) a ) 4 inches", "b ) b . 120 %"), then the value up to the next ", b )"
