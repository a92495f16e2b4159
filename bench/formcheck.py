"""Format check (thẩm định thể thức): precision and recall per rule on a labelled set.

The set (tests/fixtures/drafts.py) is generated: seven base drafts (docs/formcheck.md), each
correct and with every planted error that suits it, written to DOCX (python-docx) and to PDF
(fpdf2, Liberation Serif). Goals: at least 95 % of planted errors found; at most one false
error per correct draft.

Then, on a stack started as `make run` does: do other requests wait while drafts are checked?
`/healthz` and a search are probed idle and while `LUUTRU_BENCH_CHECKS` long drafts (default
16: every base draft in turn with its body 16 times over, DOCX and PDF alternately) are
checked over `POST /api/check` from `LUUTRU_BENCH_CHECK_CLIENTS` parallel clients (default 4).
Prints each probe's median and p95, the ratio of loaded to idle medians, and the checks'
answers by status (200, or 503 when too many drafts wait for the gateway's check threads).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import requests

from bench._probes import idle_and_loaded, report
from services.formcheck import check
from tests.e2e.stacks import running_stack
from tests.fixtures.drafts import BASES, Labelled, labelled_set, write
from tests.rabbit import temporary_vhost

# Reported on every PDF set in Liberation Serif (by design, docs/formcheck.md): not scored.
UNSCORED = frozenset({"font.substitute"})
RECALL_GOAL = 0.95
FALSE_ERRORS_PER_CORRECT_DRAFT = 1
BODY_TIMES = 16


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


def accuracy() -> None:
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


def long_draft(base: str, fmt: str) -> bytes:
    """A correct base draft with its body written BODY_TIMES over (a base draft is one or two
    pages and checks in ~30 ms; this makes the 0.2–0.5 s of a long real one)."""
    spec = BASES[base]()
    spec.body *= BODY_TIMES
    return write(spec, fmt)


def load_drafts(count: int) -> list[tuple[str, bytes]]:
    """`count` long drafts: the base drafts in turn, DOCX and PDF alternately."""
    bases = list(BASES)
    drafts = []
    for i in range(count):
        name, fmt = bases[i % len(bases)], ("docx", "pdf")[i % 2]
        drafts.append((f"{name}-{i}.{fmt}", long_draft(name, fmt)))
    return drafts


def check_all(url: str, token: str, drafts: list[tuple[str, bytes]], clients: int) -> Counter:
    def one(draft: tuple[str, bytes]) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        answer = requests.post(
            f"{url}/api/check", files={"file": draft}, headers=headers, timeout=300
        )
        return answer.status_code

    with ThreadPoolExecutor(clients) as pool:
        return Counter(pool.map(one, drafts))


def under_load() -> None:
    checks = int(os.environ.get("LUUTRU_BENCH_CHECKS", "16"))
    clients = int(os.environ.get("LUUTRU_BENCH_CHECK_CLIENTS", "4"))
    drafts = load_drafts(checks)
    print(f"\nchecks under load: {checks} drafts, {clients} clients, {os.cpu_count()} cores")
    base = Path(tempfile.mkdtemp(prefix="luutru-bench-formcheck-"))
    with (
        temporary_vhost("luutru-bench") as amqp_uri,
        running_stack(base / "var", amqp_uri, base / "stack.log") as stack,
    ):
        token = stack.http.headers["Authorization"].removeprefix("Bearer ")
        load = partial(check_all, stack.url, token, drafts, clients)
        idle, loaded, answers, elapsed = idle_and_loaded(stack, load)
    print(f"{checks} checks from {clients} clients in {elapsed:.1f} s, answers {dict(answers)}")
    report(idle, loaded, "checks")


def main() -> None:
    accuracy()
    under_load()


if __name__ == "__main__":
    main()
