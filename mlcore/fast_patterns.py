"""Regular expressions that give the same matches, faster: the lexicon and the normaliser run
dozens of patterns over every listing, and most cannot match it at all.

Required literals: a cheap test that rules a pattern out before it runs.

``required_literals(pattern)`` returns groups of strings such that every match of ``pattern``
contains at least one string of each group (``(("máy lạnh", "điều hòa"),)`` for
``máy lạnh|điều hòa(?: nhiệt độ)?``; ``(("bao ",), ("điện",))`` for ``bao (?:gồm )?điện``), or
``None`` when nothing can be read off the pattern.  ``"x" in text`` is a C-speed substring search, so
the lexicon skips the regex of every rule none of whose literals occurs in the text: the rule
could not have matched, and the results are exactly those of running every regex.

The pattern is read with Python's own regex parser (``re._parser``, the module ``re`` compiles
with), so the literals are those of the pattern that actually runs.

Left boundaries: ``LeftBounded(C, body)`` finds exactly the matches of ``(?<!C)body`` (C one
character class, the "not inside a word" test every rule starts with).  A leading lookbehind keeps
Python's regex engine from jumping to the characters a match can start with, so it tries every
position; without it the scan is about four times faster, and the lookbehind is checked by hand on
the few places the body matches.  Where every match starts with one of a few strings
(:func:`start_literals`), only their occurrences are tried; :class:`StartIndex` finds the
occurrences for many patterns in one pass over the text (an Aho-Corasick automaton, the PyPI
package ``pyahocorasick``).
"""
from __future__ import annotations

import re
from re import _constants as C  # noqa: N812
from re import _parser

import ahocorasick

__all__ = ["required_literals", "may_match", "first_possible_start", "start_literals", "LeftBounded", "StartIndex"]

# Literals shorter than this are too common to rule anything out.
_MIN_LENGTH = 2


def required_literals(pattern: str | re.Pattern) -> tuple[tuple[str, ...], ...] | None:
    """Groups of strings: every match of ``pattern`` contains one string of each group."""
    source, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else (pattern, 0)
    if not isinstance(source, str):
        return None
    try:
        parsed = _parser.parse(source, flags)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None     # case-folded literals would need the same folding on the text
    groups = tuple(tuple(sorted(set(g))) for g in _requirements(list(parsed))
                   if all(len(s) >= _MIN_LENGTH for s in g))
    return groups or None


def may_match(literals: tuple[tuple[str, ...], ...] | None, text: str) -> bool:
    """False only when the pattern with these ``literals`` cannot match ``text``: some group
    has none of its strings in ``text``."""
    if literals is None:
        return True
    for group in literals:
        for s in group:
            if s in text:
                break
        else:
            return False
    return True


def first_possible_start(literals: tuple[tuple[str, ...], ...] | None, text: str,
                         max_width: int | None) -> int | None:
    """Where the first match of a pattern (these ``literals``, matches at most ``max_width``
    characters long; None when unbounded) can start at the earliest, or None when it cannot match
    ``text``.  A match contains one string of each group, so it starts no earlier than that
    string's first occurrence ends, less ``max_width``."""
    if literals is None:
        return 0
    start = 0
    for group in literals:
        ends = [i + len(s) for s in group if (i := text.find(s)) >= 0]
        if not ends:
            return None
        if max_width is not None:
            start = max(start, min(ends) - max_width)
    return start


def start_literals(pattern: str, flags: int = 0) -> tuple[str, ...] | None:
    """Strings one of which every match of ``pattern`` starts with (``("bao ", "gồm ")`` for
    ``(?:bao|gồm) ...``), each at least two characters long, or None when they cannot be read
    off the pattern (a leading character class, an assertion, case-insensitive matching...)."""
    try:
        parsed = _parser.parse(pattern, flags)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    found = _prefixes(list(parsed), [("", True)])
    if found is None or any(len(s) < _MIN_LENGTH for s, _ in found):
        return None
    return tuple(sorted({s for s, _ in found}))


_MAX_PREFIXES = 64
_ENOUGH = 5     # a prefix this long is selective enough: it stops growing


def _prefixes(seq: list, current: list[tuple[str, bool]]) -> list[tuple[str, bool]] | None:
    """Extend ``current`` (prefixes, each with whether it can still grow) by the items of ``seq``."""
    for op, av in seq:
        if not any(open_ for _, open_ in current):
            return current
        if op is C.LITERAL:
            current = [(s + chr(av), len(s) + 1 < _ENOUGH) if open_ else (s, False) for s, open_ in current]
        elif op is C.BRANCH or (op is C.SUBPATTERN and not (av[1] & re.IGNORECASE)):
            alternatives = av[1] if op is C.BRANCH else [av[3]]
            grown: list[tuple[str, bool]] = [p for p in current if not p[1]]
            for alternative in alternatives:
                sub = _prefixes(list(alternative), [p for p in current if p[1]])
                if sub is None:
                    return None
                grown += sub
            current = grown
        elif op is C.MAX_REPEAT and av[0] == 0 and av[1] == 1:   # optional: with it or without it
            with_it = _prefixes(list(av[2]), [p for p in current if p[1]])
            if with_it is None:
                return None
            current = current + with_it
        else:   # anything else ends every prefix here
            current = [(s, False) for s, _ in current]
        current = list(dict.fromkeys(current))
        if len(current) > _MAX_PREFIXES:
            return None
    return current


def _required(seq: list) -> list[str] | None:
    """The best single requirement of a sequence (see :func:`_requirements`): the one whose
    shortest string is longest."""
    options = _requirements(seq)
    if not options:
        return None
    return max(options, key=lambda o: (min(len(s) for s in o), -len(o)))


def _requirements(seq: list) -> list[list[str]]:
    """Every requirement a match of a sequence of regex items must meet: a run of literal
    characters, or (one of the strings of) a group, alternation or repeated item it passes through."""
    options: list[list[str]] = []
    run: list[str] = []

    def close_run():
        if run:
            options.append(["".join(run)])
            run.clear()

    for op, av in seq:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        close_run()
        inner = None
        if op is C.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if add_flags & re.IGNORECASE:
                continue
            inner = _required(list(sub))
        elif op is C.BRANCH:
            branches = [_required(list(b)) for b in av[1]]
            if all(b is not None for b in branches):
                inner = [s for b in branches for s in b]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            inner = _required(list(av[2]))
        elif op is C.ATOMIC_GROUP:
            inner = _required(list(av))
        if inner:
            options.append(inner)
    close_run()
    return options


class LeftBounded:
    """The matches of ``(?<!left_class)(?:body)``, found faster (``finditer``, ``search``)."""

    def __init__(self, left_class: str, body: str, flags: int = 0):
        self.scan = re.compile(body, flags)
        self.left = re.compile(left_class, flags)
        self.pattern = f"(?<!{left_class})(?:{body})"
        self.flags = self.scan.flags
        width = _parser.parse(body, flags).getwidth()[1]
        self.max_width = width if width < C.MAXREPEAT else None   # None: no bound
        # Where every match starts with one of a few strings, only their occurrences are tried.
        self.starts = start_literals(body, flags)
        if self.scan.match("") is not None or _parser.parse(body, flags).getwidth()[0] == 0:
            raise ValueError(f"LeftBounded needs a pattern that cannot match empty text: {body!r}")

    def finditer(self, text: str, pos: int = 0, places: list[int] | None = None):
        """As ``re.compile(self.pattern).finditer(text)``: a match right after a ``left_class``
        character is skipped and the scan goes on one character later, where the lookbehind
        pattern's own scan would go on.  From ``pos`` when no match can start before it;
        ``places``: where this pattern's start strings occur in ``text``, from
        :meth:`StartIndex.positions`."""
        if self.starts is not None:
            yield from self._finditer_at_starts(text, pos, places)
            return
        while True:
            m = self.scan.search(text, pos)
            if m is None:
                return
            start = m.start()
            if start and self.left.match(text, start - 1):
                pos = start + 1
                continue
            yield m
            pos = m.end()

    def _finditer_at_starts(self, text: str, pos: int, places: list[int] | None):
        """``finditer`` trying only the places where a match can start: the same matches, since
        the regex's own scan would find nothing in between."""
        starts: set[int] = set()
        if places is not None:
            starts.update(places)
        else:
            for s in self.starts:
                i = text.find(s, pos)
                while i >= 0:
                    starts.add(i)
                    i = text.find(s, i + 1)
        for start in sorted(starts):
            if start < pos or (start and self.left.match(text, start - 1)):
                continue
            m = self.scan.match(text, start)
            if m is not None:
                yield m
                pos = m.end()

    def search(self, text: str, pos: int = 0) -> re.Match | None:
        return next(self.finditer(text, pos), None)

    def __repr__(self) -> str:
        return f"LeftBounded({self.pattern!r})"


class StartIndex:
    """The start strings of many :class:`LeftBounded` patterns, found in one pass over a text."""

    def __init__(self, patterns):
        users: dict[str, list[LeftBounded]] = {}
        for pattern in patterns:
            for s in pattern.starts or ():
                users.setdefault(s, []).append(pattern)
        self.automaton = ahocorasick.Automaton()
        for s, patterns_of_s in users.items():
            self.automaton.add_word(s, (len(s), tuple(patterns_of_s)))
        self.empty = not users
        if not self.empty:
            self.automaton.make_automaton()

    def positions(self, text: str) -> dict[LeftBounded, list[int]]:
        """Per pattern of the index whose start strings occur in ``text``: where they begin."""
        found: dict[LeftBounded, list[int]] = {}
        if self.empty:
            return found
        for end, (length, patterns) in self.automaton.iter(text):
            for pattern in patterns:
                found.setdefault(pattern, []).append(end - length + 1)
        return found
