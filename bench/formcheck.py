"""Format check (thẩm định thể thức): precision and recall per rule on a labelled set.

The set (tests/fixtures/drafts.py) is generated: four base drafts (state quyết định and công
văn, Party nghị quyết and công văn), each correct and with every planted error that suits it,
written to DOCX (python-docx) and to PDF (fpdf2, Liberation Serif). Goals: at least
95 % of planted errors found; at most one false error per correct draft.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from services.formcheck import check
from tests.fixtures.drafts import Labelled, labelled_set

# Reported on every PDF set in Liberation Serif (by design, docs/formcheck.md): not scored.
UNSCORED = frozenset({"font.substitute"})
RECALL_GOAL = 0.95
FALSE_ERRORS_PER_CORRECT_DRAFT = 1


@dataclass
class Score:
    drafts: int = 0
    correct_drafts: int = 0
    true: Counter[str] = field(default_factory=Counter)
    false: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    false_errors_on_correct: list[int] = field(default_factory=list)  # one count per draft
    misses: list[str] = field(default_factory=list)  # "draft: rule" for each planted miss

    @property
    def recall(self) -> float:
        found, planted = (
            sum(self.true.values()),
            sum(self.true.values()) + sum(self.missed.values()),
        )
        return found / planted if planted else 1.0

    def rule(self, code: str) -> tuple[float, float, int]:
        tp, fp, fn = self.true[code], self.false[code], self.missed[code]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        return precision, recall, tp + fn


def score(drafts: list[Labelled]) -> Score:
    result = Score()
    for draft in drafts:
        answer = check(draft.data, draft.name)
        errors = {e["rule"] for e in answer["errors"]}
        found = (errors | {w["rule"] for w in answer["warnings"]}) - UNSCORED
        result.drafts += 1
        for code in found & draft.expected:
            result.true[code] += 1
        for code in found - draft.expected:
            result.false[code] += 1
        for code in draft.expected - found:
            result.missed[code] += 1
            result.misses.append(f"{draft.name}: {code}")
        if not draft.expected:
            result.correct_drafts += 1
            result.false_errors_on_correct.append(len(errors - UNSCORED))
    return result


def main() -> None:
    started = time.monotonic()
    drafts = labelled_set()
    result = score(drafts)
    took = time.monotonic() - started
    formats = Counter(d.fmt for d in drafts)
    print(
        f"{result.drafts} drafts ({formats['docx']} DOCX, {formats['pdf']} PDF; "
        f"{result.correct_drafts} correct), generated and checked in {took:.0f} s"
    )
    print(f"{'rule':<22}{'precision':>10}{'recall':>9}{'planted':>9}")
    codes = sorted(set(result.true) | set(result.false) | set(result.missed))
    for code in codes:
        precision, recall, planted = result.rule(code)
        print(f"{code:<22}{100 * precision:>9.1f}%{100 * recall:>8.1f}%{planted:>9}")
    worst = max(result.false_errors_on_correct, default=0)
    print(
        f"planted errors found: {100 * result.recall:.1f} % (goal ≥ {100 * RECALL_GOAL:.0f} %); "
        f"false errors on a correct draft: at most {worst} (goal ≤ "
        f"{FALSE_ERRORS_PER_CORRECT_DRAFT}); false findings across the set: "
        f"{sum(result.false.values())}"
    )
    for miss in result.misses:
        print(f"  missed {miss}")


if __name__ == "__main__":
    main()
