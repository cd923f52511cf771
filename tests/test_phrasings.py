"""The capture corpus: real phrasings, each with what the person meant (tests/data/phrasings.yaml).

At least 95 % must be stored fully right, and no category under 85 %. Failures are printed, so a
run shows what still goes wrong.
"""

from __future__ import annotations

import pytest

from benchmarks.capture import failures, grades, judge, load_corpus, share

CORPUS = load_corpus()
OVERALL = 0.95
PER_CATEGORY = 0.85


@pytest.fixture(scope="module")
def verdicts() -> list:
    return [judge(p) for p in CORPUS]


def test_the_corpus_is_big_and_varied() -> None:
    assert len(CORPUS) >= 250
    categories = {p.category for p in CORPUS}
    assert len(categories) >= 12
    held_out = sum(p.holdout for p in CORPUS) / len(CORPUS)
    assert 0.15 <= held_out <= 0.30
    assert {p.locale for p in CORPUS} >= {"en-US", "en-GB", "de-DE", "fr-FR", "en-IN", "ja-JP"}


def test_most_phrasings_are_stored_as_meant(verdicts: list) -> None:
    table = grades(verdicts)
    print("\n" + failures(verdicts))
    for name, counts in sorted(table.items()):
        print(f"{name:12} {counts} {100 * share(counts):.1f} %")
    assert share(table["all"]) >= OVERALL
    low = {k: round(share(c), 3) for k, c in table.items() if share(c) < PER_CATEGORY}
    assert not low, low
