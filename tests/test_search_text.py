"""Pure query-text logic: typo budgets and distances as Meilisearch counts them, highlights."""

from hypothesis import given
from hypothesis import strategies as st

from search.text import QueryWord, highlight, is_typo_of, tokens, typo_budget, within


def test_typo_budgets_follow_word_length() -> None:
    assert [typo_budget(w) for w in ("uav", "drone", "autonomy", "autonomous")] == [0, 1, 1, 2]


def test_one_typo_from_five_letters_first_letter_costs_two() -> None:
    assert is_typo_of("grond", "ground")  # insertion
    assert is_typo_of("drnoe", "drone")  # transposition counts once
    assert not is_typo_of("xrone", "drone")  # first letter: two typos, budget one
    assert not is_typo_of("dron", "drone")  # four letters: no typo (a prefix does that)
    assert is_typo_of("xeconnaissance", "reconnaissance")  # nine letters: first letter ok
    assert is_typo_of("reconaisance", "reconnaissance")  # two typos
    assert not is_typo_of("reconaisanse", "reconnaissance")  # three typos


@given(st.text(alphabet="abcdefgh", min_size=0, max_size=12), st.text("abcdefgh", max_size=12))
def test_banded_distance_agrees_with_the_full_table(a: str, b: str) -> None:
    def full(a: str, b: str) -> int:
        d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                cost = 0 if a[i - 1] == b[j - 1] else 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        return d[len(a)][len(b)]

    for limit in (0, 1, 2):
        assert within(a, b, limit) == (full(a, b) <= limit)


def test_tokens_fold_case_and_diacritics() -> None:
    assert tokens("Ground-Drone ML6.a  Café") == ["ground", "drone", "ml6", "a", "cafe"]


def test_highlights_escape_html_and_mark_matches() -> None:
    words = [QueryWord("ground"), QueryWord("kre", prefix=True)]
    marked = highlight("Kremin <b>heavy</b> ground drone", words)
    assert marked == "<mark>Kremin</mark> &lt;b&gt;heavy&lt;/b&gt; <mark>ground</mark> drone"
    assert highlight("nothing here", words) is None
