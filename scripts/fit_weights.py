#!/usr/bin/env python3
"""Fits faqbot's ranking and confidence weights on a TRAINING set (never on the sets the
README reports).

The training messages' wordings are the articles' examples (`scripts/examples.py`), so
`scripts/refit.sh` measures each training file against a corpus without its own wordings
(cross-fitting), and every training file once more against a corpus with no examples at
all, so that the weights carry over to corpora that have none (saved clinic pages,
MedQuAD); this script fits the weights on the features so measured.

The threshold is then chosen on the dev set (`tests/data/dev_*.jsonl`): the lowest at which
at most 5% of its unanswerable messages are answered.

1. Relevance (`src/search/rank.rs`): logistic regression of "this article answers the
   question" on each candidate's evidence, over every candidate of every answerable and
   unanswerable training message.
2. Confidence (`src/answer.rs`): logistic regression of "the best article is right" on the
   best article's relevance, its lead over the next one and its
   absolute evidence (how much of the question it covers, how alike in meaning it is): the
   relevance ranks, the absolute evidence tells an off-corpus question from a covered one.
   Also how much closer in meaning a message known unanswered is (`unanswered.toml`: the
   training sets' unanswerable messages; cross-fitted like the examples, and absent from
   the corpus without examples).

Every weight is kept >= 0: more evidence never ranks an article lower nor lowers the
confidence, on a corpus of any shape.

Prints the constants to paste. Pure Python (no numpy): Newton's method on a few features.
"""
import json
import math
import sys

FEATURES = ["RELATIVE_SCORE", "COVERAGE", "ARTICLE_COVERAGE", "PHRASE", "SEMANTIC"]
MARGIN_ALONE = 3.0
L2 = 0.01


def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[col][col] != 0:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def newton(rows, k):
    w = [0.0] * k
    for _ in range(50):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y in rows:
            z = sum(a * b for a, b in zip(w, x))
            p = 1 / (1 + math.exp(-max(min(z, 30), -30)))
            for i in range(k):
                grad[i] += (p - y) * x[i]
                for j in range(k):
                    hess[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(1, k):
            grad[i] += L2 * w[i]
            hess[i][i] += L2
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return w


def logistic(rows, nonnegative=()):
    """rows: (features, label). Returns weights, bias first. A weight listed in `nonnegative`
    (1 = the first feature) that would come out negative is held at 0: the model is fitted
    again without that feature, until none is negative."""
    k = len(rows[0][0]) + 1
    zero = set()
    while True:
        keep = [i for i in range(k) if i not in zero]
        fitted = newton([([([1.0] + list(x))[i] for i in keep], y) for x, y in rows], len(keep))
        w = [0.0] * k
        for i, v in zip(keep, fitted):
            w[i] = v
        negative = [i for i in nonnegative if w[i] < 0]
        if not negative:
            return w
        zero.add(min(negative, key=lambda i: w[i]))


def main(path):
    questions = [json.loads(line) for line in open(path)]
    searched = [q for q in questions if q["expect"] in ("answer", "no_answer") and q["candidates"]]
    rows = [(c["features"], 1.0 if c["right"] else 0.0) for q in searched for c in q["candidates"]]
    # More evidence never ranks an article lower.
    w = logistic(rows, nonnegative=tuple(range(1, len(FEATURES) + 1)))
    print("// src/search/rank.rs")
    print(f"const W_BIAS: f32 = {w[0]:.3f};")
    for name, value in zip(FEATURES, w[1:]):
        print(f"const W_{name}: f32 = {value:.3f};")

    def relevance(c):
        return w[0] + sum(a * b for a, b in zip(w[1:], c["features"]))

    conf_rows = []
    hits = 0
    answerable = 0
    for q in searched:
        ranked = sorted(q["candidates"], key=relevance, reverse=True)
        top = relevance(ranked[0])
        margin = top - relevance(ranked[1]) if len(ranked) > 1 else MARGIN_ALONE
        right = ranked[0]["right"]
        # How much closer a message known unanswered is (<= 0; 0 on a corpus without
        # `unanswered.toml`): for the confidence only, not the ranking.
        unanswered = ranked[0].get("lead_over_unanswered", 0.0)
        conf_rows.append(([top, min(margin, MARGIN_ALONE)] + ranked[0]["features"][1:]
                          + [unanswered], 1.0 if right else 0.0))
        if q["expect"] == "answer":
            answerable += 1
            hits += right
    # Every weight kept >= 0: more evidence never lowers the confidence, on a corpus of any
    # shape (saved pages have no questions, only passages).
    c = logistic(conf_rows, nonnegative=tuple(range(1, len(conf_rows[0][0]) + 1)))
    print("// src/answer.rs")
    print(f"const C_BIAS: f32 = {c[0]:.3f};")
    print(f"const C_RELEVANCE: f32 = {c[1]:.3f};")
    print(f"const C_MARGIN: f32 = {c[2]:.3f};")
    for name, value in zip(FEATURES[1:] + ["UNANSWERED"], c[3:]):
        print(f"const C_{name}: f32 = {value:.3f};")
    print(f"// training hit@1 with these weights: {hits}/{answerable} = {hits / answerable:.3f}",
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
