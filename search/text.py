"""Query text handling shared by the backends: tokens, typo budgets and highlights.

Typo rules follow Meilisearch's defaults: no typo below 5 letters, one from 5, two from 9;
an adjacent transposition is one typo; a typo on the first letter costs two.
"""

import html
import re
import unicodedata
from dataclasses import dataclass

ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9
MAX_QUERY_WORDS = 10
MAX_EXPANSIONS_PER_WORD = 20
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
_WORD = re.compile(r"\w+", re.UNICODE)
_WORD_SPLIT = re.compile(r"(\w+)")
_HTML_SPECIAL = re.compile(r"[&<>\"']")  # what html.escape replaces


def fold(text: str) -> str:
    """Lower case without diacritics, as the indexes store terms."""
    if text.isascii():  # nothing to decompose; the common case, and many times faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    return [t for t in _WORD.findall(fold(text)) if t != "_"][:MAX_QUERY_WORDS]


def typo_budget(word: str) -> int:
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(word) >= ONE_TYPO_FROM else 0


def within(a: str, b: str, limit: int) -> bool:
    """Optimal-string-alignment distance between a and b is at most `limit` (banded)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [limit + 1] * len(b)
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current[max(0, low - 1) : high + 1]) > limit:
            return False
        previous2, previous = previous, current
    return previous[len(b)] <= limit


def is_typo_of(word: str, term: str) -> bool:
    """Whether `term` (an indexed term) is within `word`'s typo budget, not equal to it."""
    budget = typo_budget(word)
    if budget == 0 or term == word or not term:
        return False
    if term[0] == word[0] and within(word[1:], term[1:], budget):
        return True
    # A first-letter typo costs two, so it is only possible alone and from 9 letters.
    return budget == 2 and term in first_letter_variants(word)


def first_letter_variants(word: str) -> set[str]:
    """Terms one first-letter edit away: substitution, deletion, insertion, transposition."""
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    variants = {c + word[1:] for c in letters} | {c + word for c in letters}
    variants.add(word[1:])
    if len(word) > 1:
        variants.add(word[1] + word[0] + word[2:])
    variants.discard(word)
    return variants


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds [low, high) of the terms starting with `prefix` in code point order."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One query word and what may match it: itself, typo variants, or (last word) a prefix."""

    word: str
    typos: tuple[str, ...] = ()
    prefix: bool = False

    def matches(self, term: str) -> bool:
        return (
            term == self.word or term in self.typos or (self.prefix and term.startswith(self.word))
        )


def highlight(text: str, words: list[QueryWord], *, crop: int | None = None) -> str | None:
    """HTML-escaped `text` with matched words in <mark>, cropped to about `crop` words around
    the first match; None when nothing matches."""
    parts = _WORD_SPLIT.split(text)
    escape = html.escape if _HTML_SPECIAL.search(text) else str
    marked = False
    first_match: int | None = None
    out: list[str] = []
    for index, part in enumerate(parts):
        if index % 2 == 1 and any(w.matches(fold(part)) for w in words):
            out.append(f"{MARK_OPEN}{escape(part)}{MARK_CLOSE}")
            marked = True
            first_match = index if first_match is None else first_match
        else:
            out.append(escape(part))
    if not marked:
        return None
    if crop is None or first_match is None:
        return "".join(out)
    # `out` alternates separators and words: two parts per word.
    start = max(0, first_match - 2 * crop)
    end = min(len(out), first_match + 4 * crop)
    snippet = "".join(out[start:end]).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(out) else "")
