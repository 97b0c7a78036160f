"""The lexicon tagger: tags from what a listing says, with the words that say it.

``LexiconTagger().tag(text)`` normalises the text (``mlcore.text``), matches every rule of
``mlcore.lexicon_rules`` and the taxonomy's aliases on the accented text and, for text typed without
accents, on its accent-free form; keeps the longest phrase where phrases overlap ("gần trung tâm
thương mại" is a shop nearby, not a central location); drops mentions in a negation's scope
("không có thang máy", "chưa bao gồm điện nước"); and returns, per tag, a confidence and the
evidence: character spans of the *original* text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .fast_patterns import LeftBounded, StartIndex, first_possible_start, may_match, required_literals
from .rules_version import rules_hash, versioned
from .lexicon_rules import ALIAS_CONFIDENCE, DROPPED_ALIASES, LISTING_RULES, RULES, ListingRule, Rule
from .text import NormalizedText, has_diacritics, normalize, normalize_text, strip_diacritics_str
from .vocab import TagVocabulary, default_vocabulary

__all__ = ["Evidence", "TagMatch", "LexiconTagger", "default_lexicon"]

# Accent-free matches count a little less: "mat" may be "mát", "mất" or "mặt".
FOLDED_FACTOR = 0.9

# --- negation ------------------------------------------------------------------------------
# A cue negates a mention when only "bridge" words stand between them: "không (có) thang máy",
# "không (được) (cho) nuôi thú cưng", "chưa (bao gồm) ...".  Any other word breaks the scope, so
# "không gian rộng", "không chỉ có máy lạnh mà còn...", "không lo ngập" negate nothing.
NEGATION_CUES = r"không|chưa|chẳng|chả|cấm|nghiêm cấm|miễn|hạn chế|no|trừ|ngoại trừ"
BRIDGE_WORDS = (r"có|được|cho|phép|nhận|sử dụng|dùng|nuôi|bao|gồm|sẵn|trang bị|kèm|để|ở|phải|"
                r"hỗ trợ|tính|nhiều|thể|cần|hề")
_NEG_BEFORE = re.compile(rf"(?<!\w)(?:{NEGATION_CUES})(?:\s+(?:{BRIDGE_WORDS}))*\s*$")
# "thú cưng: không", "thang máy (không có)", "thú cưng không được nuôi"
_NEG_AFTER = re.compile(
    r"^\s*(?:[:\-–(]\s*)?(?:không|chưa|cấm)(?:\s+(?:có|được|cho|nuôi|phép|nhận))*\s*(?:[).,;:\n]|$)"
    r"|^\s*(?:không được|không cho|không có|chưa có|cấm|không nhận)(?!\w)")
_NEG_BEFORE_FOLDED = re.compile(strip_diacritics_str(_NEG_BEFORE.pattern))
_NEG_AFTER_FOLDED = re.compile(strip_diacritics_str(_NEG_AFTER.pattern))
# A cue typed without accents is there as it is in the clause: without one of these words, the
# accent-free patterns cannot find one.
_NEG_BEFORE_FOLDED_WORDS = required_literals(_NEG_BEFORE_FOLDED)
_NEG_AFTER_FOLDED_WORDS = required_literals(_NEG_AFTER_FOLDED)
_CLAUSE_BREAK = re.compile(r"[;!?\n]|\.(?=\s|$)")
_WINDOW = 80


@dataclass(frozen=True)
class Evidence:
    """Characters ``[start, end)`` of the original text that triggered a tag."""
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class TagMatch:
    slug: str
    confidence: float
    evidence: tuple[Evidence, ...]
    photos: tuple[int, ...] = ()       # indexes of the photos that drove the tag (image models)
    photo_confidence: float | None = None   # what the photos alone say (a photo head), None without one

    def as_dict(self) -> dict:
        return {"slug": self.slug, "confidence": round(self.confidence, 4),
                "evidence": [{"start": e.start, "end": e.end, "text": e.text} for e in self.evidence]
                + [{"photo": i} for i in self.photos]}


@dataclass(frozen=True)
class Reading:
    """What one pass over a listing found: the tags it states (``matches``, most confident first)
    and those it names only to deny them (``denied``: "không có máy lạnh")."""
    matches: tuple[TagMatch, ...]
    denied: tuple[TagMatch, ...] = ()

    @property
    def by_slug(self) -> dict[str, TagMatch]:
        return {m.slug: m for m in self.matches}

    @property
    def denied_slugs(self) -> tuple[str, ...]:
        return tuple(sorted(m.slug for m in self.denied))


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    accented: LeftBounded
    folded: LeftBounded | None      # None when the pattern has no accents to drop
    before: re.Pattern | None
    not_before: re.Pattern | None
    after: re.Pattern | None
    not_after: re.Pattern | None
    # Strings one of which every match contains (``mlcore.prefilter``): a rule none of whose
    # literals occurs in the text is not run at all.
    accented_literals: tuple[str, ...] | None = None
    folded_literals: tuple[str, ...] | None = None
    # The context patterns without accents, for matches of the accent-free twin.
    folded_context: tuple[re.Pattern | None, ...] = ()
    unless_text: re.Pattern | None = None     # Rule.unless_text, searched in the normalised listing


@dataclass
class _Candidate:
    start: int          # in the normalised text
    end: int
    rule: _CompiledRule
    folded: bool


def _opt(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


def _bounded(pattern: str) -> str:
    return rf"(?<![^\W_])(?:{pattern})(?![^\W_])"


def _fast_bounded(pattern: str) -> LeftBounded:
    """The matches of ``_bounded(pattern)``, found faster (see ``mlcore.fast_patterns``)."""
    return LeftBounded(r"[^\W_]", rf"(?:{pattern})(?![^\W_])")


def _compile(rule: Rule) -> _CompiledRule:
    folded_src = strip_diacritics_str(rule.pattern)
    accented = _fast_bounded(rule.pattern)
    folded = _fast_bounded(folded_src) if folded_src != rule.pattern else None
    context = (rule.before, rule.not_before, rule.after, rule.not_after)
    return _CompiledRule(
        rule=rule, accented=accented, folded=folded,
        before=_opt(rule.before), not_before=_opt(rule.not_before),
        after=_opt(rule.after), not_after=_opt(rule.not_after),
        accented_literals=required_literals(accented.scan),
        folded_literals=required_literals(folded.scan) if folded is not None else None,
        folded_context=tuple(_opt(strip_diacritics_str(c)) if c else None for c in context),
        unless_text=_opt(rule.unless_text),
    )


def _alias_rules(vocab: TagVocabulary, base: list[Rule]) -> list[Rule]:
    """The taxonomy's aliases as rules, except those a rule in ``base`` already covers."""
    known = {(r.pattern, t) for r in base for t in r.tags}
    rules = []
    for tag in vocab:
        for alias in tag.aliases:
            if alias in DROPPED_ALIASES:
                continue
            # Aliases go through the same normalisation as listings ("wc riêng" -> "nhà vệ sinh riêng").
            norm = normalize_text(alias, mask_phones=False)
            if not norm or (norm, tag.slug) in known:
                continue
            # An alias that a context rule of the same tag already reads is left to that rule.
            if any(tag.slug in r.tags and re.fullmatch(r.pattern, norm) for r in base):
                continue
            known.add((norm, tag.slug))
            neg = "không" not in norm.split()
            rules.append(Rule(re.escape(norm), (tag.slug,), ALIAS_CONFIDENCE, neg))
    return rules


class LexiconTagger:
    """Rule tagger over normalised Vietnamese; ``tag(text)`` -> list of :class:`TagMatch`."""

    name = "lexicon"
    engine_version = "lexicon-1"
    supports_images = False
    default_threshold = 0.5

    def __init__(self, vocabulary: TagVocabulary | None = None, rules: list[Rule] | None = None,
                 listing_rules: list[ListingRule] | None = None):
        self.vocabulary = vocabulary or default_vocabulary()
        rules = list(RULES if rules is None else rules)
        self._listing_rules = list(LISTING_RULES if listing_rules is None else listing_rules)
        unknown = {t for r in rules for t in r.tags if t not in self.vocabulary}
        unknown |= {t for r in self._listing_rules for t in (r.tag, *r.with_any_tag) if t not in self.vocabulary}
        if unknown:
            raise ValueError(f"lexicon rules name tags missing from the vocabulary: {sorted(unknown)}")
        rules += _alias_rules(self.vocabulary, rules)
        # The version names the rules, the vocabulary and the normaliser this tagger reads.
        self.rules_hash = rules_hash(rules, self._listing_rules, self.vocabulary.tags)
        self.version = versioned(self.engine_version, self.rules_hash)
        self._rules = [_compile(r) for r in rules]
        self._starts = StartIndex([p for cr in self._rules for p in (cr.accented, cr.folded) if p is not None])

    # -- public API ---------------------------------------------------------------------------
    def threshold(self, slug: str, has_text: bool = True, photo_only: bool = False) -> float:
        """Confidence at or above which ``slug`` counts as present (one scale, text or not)."""
        return self.default_threshold

    def passes(self, match: TagMatch, has_text: bool = True) -> bool:
        return match.confidence >= self.threshold(match.slug, has_text)

    def tag(self, text: str, images: tuple = ()) -> list[TagMatch]:
        """Tags stated in ``text``, most confident first, each with its evidence spans.

        ``images`` is accepted for interface compatibility with image-reading taggers and ignored.
        """
        return list(self.read(text).matches)

    def denied(self, text: str) -> list[TagMatch]:
        """Tags ``text`` names only to deny them ("không có máy lạnh"): one match per tag, its
        evidence the denying words (the cue before the mention included).  A tag that is also
        stated without negation elsewhere in the text is not denied."""
        return list(self.read(text).denied)

    def read(self, text: str, images: tuple = ()) -> Reading:
        """:meth:`tag` and :meth:`denied` from one pass over the text (one normalisation, one
        search of the rules): what a tagging job needs, computed once."""
        norm = normalize(text or "")
        negated_text = norm.normalized.text
        kept = self._resolve_overlaps(self._candidates(norm))
        by_tag: dict[str, list[tuple[float, Evidence]]] = {}
        negated = []
        for cand in kept:
            if not cand.rule.rule.tags:
                continue
            if self._negated(negated_text, cand):
                negated.append(cand)
                continue
            if cand.rule.unless_text is not None and cand.rule.unless_text.search(negated_text):
                continue
            conf = cand.rule.rule.confidence * (FOLDED_FACTOR if cand.folded else 1.0)
            start, end = norm.original_span(cand.start, cand.end)
            ev = Evidence(start, end, text[start:end])
            for slug in cand.rule.rule.tags:
                by_tag.setdefault(slug, []).append((conf, ev))
        for slug, conf, (start, end) in self._listing_rule_hits(negated_text, set(by_tag)):
            lo, hi = norm.original_span(start, end)
            by_tag.setdefault(slug, []).append((conf, Evidence(lo, hi, text[lo:hi])))
        matches = []
        for slug, items in by_tag.items():
            mentions = _merge_overlapping(items, text)
            miss = 1.0
            for conf, _ in mentions:
                miss *= 1.0 - conf
            evidence = tuple(ev for _, ev in mentions)
            matches.append(TagMatch(slug, round(min(0.99, 1.0 - miss), 4), evidence))
        stated = {m.slug for m in matches}
        spans: dict[str, list[Evidence]] = {}
        for cand in negated:
            lo, hi = norm.original_span(self._negation_start(negated_text, cand), cand.end)
            for slug in cand.rule.rule.tags:
                if slug not in stated:
                    spans.setdefault(slug, []).append(Evidence(lo, hi, text[lo:hi]))
        return Reading(tuple(sorted(matches, key=lambda m: (-m.confidence, m.slug))),
                       tuple(TagMatch(slug, 1.0, tuple(evs)) for slug, evs in spans.items()))

    def predict_tags(self, text: str, threshold: float | None = None) -> set[str]:
        return {m.slug for m in self.tag(text)
                if m.confidence >= (self.threshold(m.slug) if threshold is None else threshold)}

    # -- steps --------------------------------------------------------------------------------
    def _listing_rule_hits(self, text: str, found: set[str]):
        for lr in self._listing_rules:
            if lr.tag in found:
                continue
            m = re.search(_bounded(lr.mention), text)
            if not m:
                continue
            supported = bool(found & set(lr.with_any_tag)) or bool(
                lr.with_any_text and re.search(lr.with_any_text, text))
            if supported and not (lr.unless_text and re.search(lr.unless_text, text)):
                yield lr.tag, lr.confidence, m.span()

    def _candidates(self, norm: NormalizedText) -> list[_Candidate]:
        text, folded = norm.normalized.text, norm.folded.text
        out: list[_Candidate] = []
        at, at_folded = self._starts.positions(text), self._starts.positions(folded)
        for cr in self._rules:
            accented_matches, folded_matches = self._rule_matches(cr, text, folded, at, at_folded)
            for m in accented_matches:
                if self._context_ok(text, m.start(), m.end(), cr):
                    out.append(_Candidate(m.start(), m.end(), cr, False))
            for m in folded_matches:
                if " " not in m.group(0) and has_diacritics(_line_at(text, m.start())):
                    continue  # a lone "mat"/"re" in accented text is a different word
                if self._context_ok(folded, m.start(), m.end(), cr, folded_rule=True):
                    out.append(_Candidate(m.start(), m.end(), cr, True))
        return out

    @staticmethod
    def _rule_matches(cr: _CompiledRule, text: str, folded: str, at: dict, at_folded: dict):
        """(matches of the rule in the text, matches of its accent-free twin where the text has no
        accents), exactly those of ``re.compile(_bounded(pattern)).finditer``; ``at`` and
        ``at_folded``: the lexicon's :class:`StartIndex` positions in ``text`` and ``folded``.
        A rule whose words are absent is not run; the others are tried only where a match can begin."""
        if cr.accented.starts is not None:
            accented = list(cr.accented.finditer(text, 0, at[cr.accented])) if cr.accented in at else []
        else:
            start = first_possible_start(cr.accented_literals, text, cr.accented.max_width)
            accented = list(cr.accented.finditer(text, start)) if start is not None else []
        # A folded match counts only where the text itself has no accents, so the words it contains
        # occur in the accented text as they are.  (The scan itself runs over the folded text, where
        # matches that are then dropped decide where the next one starts.)
        if cr.folded is None:
            return accented, []
        if cr.folded.starts is not None:
            if cr.folded not in at:
                return accented, []
            matches = cr.folded.finditer(folded, 0, at_folded[cr.folded])
        else:
            if not may_match(cr.folded_literals, text):
                return accented, []
            matches = cr.folded.finditer(folded, first_possible_start(cr.folded_literals, folded,
                                                                      cr.folded.max_width) or 0)
        return accented, [m for m in matches if text[m.start():m.end()] == folded[m.start():m.end()]]

    @staticmethod
    def _context_ok(text: str, start: int, end: int, cr: _CompiledRule, folded_rule: bool = False) -> bool:
        if not (cr.before or cr.not_before or cr.after or cr.not_after):
            return True
        before, after = _clause_before(text, start), _clause_after(text, end)
        pre, not_pre, post, not_post = cr.folded_context if folded_rule else \
            (cr.before, cr.not_before, cr.after, cr.not_after)
        if pre and not pre.search(before):
            return False
        if not_pre and not_pre.search(before):
            return False
        if post and not post.match(after):
            return False
        if not_post and not_post.match(after):
            return False
        return True

    @staticmethod
    def _resolve_overlaps(cands: list[_Candidate]) -> list[_Candidate]:
        """Longest phrase first; a phrase inside a longer one of other tags is dropped."""
        cands.sort(key=lambda c: (-(c.end - c.start), c.start, c.folded))
        kept: list[_Candidate] = []
        seen: set[tuple] = set()
        for c in cands:
            start, end, tags = c.start, c.end, c.rule.rule.tags
            if (start, end, tags) in seen:
                continue
            for k in kept:
                if k.start <= start and end <= k.end and k.end - k.start > end - start and k.rule.rule.tags != tags:
                    break       # inside a longer phrase of other tags
            else:
                kept.append(c)
                seen.add((start, end, tags))
        return kept

    @staticmethod
    def _negated(text: str, cand: _Candidate) -> bool:
        """Is the mention in a negation's scope?  Cues typed without accents ("khong co") count
        too, but only where the writer really left the accents out ("cam" is not "cấm")."""
        if not cand.rule.rule.negatable:
            return False
        before, after = _clause_before(text, cand.start), _clause_after(text, cand.end)
        if _NEG_BEFORE.search(before) or _NEG_AFTER.search(after):
            return True
        for pattern, words, part in ((_NEG_BEFORE_FOLDED, _NEG_BEFORE_FOLDED_WORDS, before),
                                     (_NEG_AFTER_FOLDED, _NEG_AFTER_FOLDED_WORDS, after)):
            if not may_match(words, part):
                continue
            m = pattern.search(strip_diacritics_str(part))
            if m and not has_diacritics(part[m.start():m.end()]):
                return True
        return False


    @staticmethod
    def _negation_start(text: str, cand: _Candidate) -> int:
        """Where the negation of a negated mention starts: its cue when the cue comes first."""
        before = _clause_before(text, cand.start)
        for pattern, part in ((_NEG_BEFORE, before), (_NEG_BEFORE_FOLDED, strip_diacritics_str(before))):
            m = pattern.search(part)
            if m:
                return cand.start - len(before) + m.start()
        return cand.start


def _merge_overlapping(items: list[tuple[float, Evidence]], text: str) -> list[tuple[float, Evidence]]:
    """One mention per stretch of text: overlapping spans of a tag merge, keeping the best confidence."""
    merged: list[tuple[float, Evidence]] = []
    for conf, ev in sorted(items, key=lambda i: (i[1].start, i[1].end)):
        if merged and ev.start < merged[-1][1].end:
            prev_conf, prev = merged[-1]
            end = max(prev.end, ev.end)
            merged[-1] = (max(prev_conf, conf), Evidence(prev.start, end, text[prev.start:end]))
        else:
            merged.append((conf, ev))
    return merged


def _clause_before(text: str, start: int) -> str:
    lo = max(0, start - _WINDOW)
    window = text[lo:start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end():] if breaks else window


def _clause_after(text: str, end: int) -> str:
    window = text[end:end + _WINDOW]
    m = _CLAUSE_BREAK.search(window)
    return window[:m.start()] if m else window


def _line_at(text: str, pos: int) -> str:
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return text[lo:hi if hi >= 0 else len(text)]


@lru_cache(maxsize=1)
def default_lexicon() -> LexiconTagger:
    return LexiconTagger()
