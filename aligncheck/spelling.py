"""The nearest known word to a misspelt one, for the `did you mean` of every error and
finding about an unknown name (configuration keys, rule codes and names, send properties)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(word: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known word closest to `word`, compared without regard to case, as it is spelt in
    `known`; None when none is close enough (difflib's ratio below `cutoff`)."""
    lowered = {name.lower(): name for name in known}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[close[0]] if close else None


def did_you_mean(word: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    """` (did you mean `X`?)` for the nearest known word, or nothing."""
    close = nearest(word, known, cutoff)
    return f" (did you mean `{close}`?)" if close is not None else ""


def key_hint(word: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    """What to say about an unknown key: the nearest known one, or else all of them."""
    names = list(known)
    close = nearest(word, names, cutoff)
    return f"did you mean `{close}`?" if close is not None else f"known: {', '.join(names)}"
