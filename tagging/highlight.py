"""Split a text into plain and highlighted pieces for showing tag evidence in a page."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    text: str
    tags: tuple[str, ...]   # display names of the tags whose evidence covers this piece; () = plain


def highlight(text: str, spans: list[tuple[int, int, str]]) -> list[Piece]:
    """``spans`` are (start, end, tag name) over ``text``; overlapping spans share a piece."""
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    bounds = sorted(cuts)
    pieces = []
    for lo, hi in zip(bounds, bounds[1:]):
        if lo == hi:
            continue
        names = tuple(dict.fromkeys(name for s, e, name in spans if s <= lo and hi <= e))
        if pieces and pieces[-1].tags == names:
            pieces[-1] = Piece(pieces[-1].text + text[lo:hi], names)
        else:
            pieces.append(Piece(text[lo:hi], names))
    return pieces
