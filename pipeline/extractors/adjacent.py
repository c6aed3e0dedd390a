"""Annotated text + a position -> the phrase mention right before or after it, or filling a gap (no other words)."""

from __future__ import annotations

from pipeline.engine.annotate import Annotated
from pipeline.engine.matcher import Mention

SPACE = " \t\n"


def _only(text: str, start: int, end: int, allowed: str) -> bool:
    return not text[start:end].strip(allowed)  # every character is an allowed one


def right_after(annotated: Annotated, list_name: str, position: int, limit: int, gap: str = SPACE) -> Mention | None:
    """The mention of a list that starts after `position` with nothing but `gap` characters between."""
    found = annotated.mentions.first(list_name, position, limit)
    if found is None or not _only(annotated.text, position, found.start, gap):
        return None
    return found


def right_before(annotated: Annotated, list_name: str, position: int, floor: int, gap: str = SPACE) -> Mention | None:
    """The mention of a list that ends before `position` with nothing but `gap` characters between."""
    found = annotated.mentions.last(list_name, floor, position)
    if found is None or not _only(annotated.text, found.end, position, gap):
        return None
    return found


def filled_by(annotated: Annotated, list_name: str, start: int, end: int, gap: str = SPACE) -> bool:
    """Whether [start, end) holds nothing but mentions of the list and `gap` characters (at least one mention)."""
    position = start
    found = annotated.of(list_name, start, end)
    for mention in found:
        if not _only(annotated.text, position, mention.start, gap):
            return False
        position = mention.end
    return bool(found) and _only(annotated.text, position, end, gap)


def is_phrase(annotated: Annotated, list_name: str, mention: Mention) -> bool:
    """Whether the words of a mention are, exactly, a phrase of another list too."""
    other = annotated.mentions.covering(list_name, mention.start, mention.end)
    return other is not None and (other.start, other.end) == (mention.start, mention.end)


def words_before(annotated: Annotated, list_name: str, position: int, floor: int, reach: int) -> Mention | None:
    """The last mention of a list before `position` (not before `floor`) at most `reach` words away."""
    found = annotated.mentions.last(list_name, floor, position)
    if found is None or annotated.words_between(found.end, position) > reach:
        return None
    return found


def words_after(annotated: Annotated, list_name: str, position: int, limit: int, reach: int) -> Mention | None:
    """The first mention of a list after `position` (before `limit`) at most `reach` words away."""
    found = annotated.mentions.first(list_name, position, limit)
    if found is None or annotated.words_between(position, found.start) > reach:
        return None
    return found
