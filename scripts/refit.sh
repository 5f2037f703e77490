#!/usr/bin/env bash
# Refits faqbot's ranking and confidence weights on the training sets, as
# scripts/fit_weights.py describes: each training file is measured on the corpus without
# its own examples (cross-fitting), and all of them on the corpus with no examples at all.
# Prints the constants to paste into src/search/rank.rs and src/answer.rs; then choose the
# threshold on the dev sets (`faqbot eval` prints the sweep).
#
#     cargo build --release && bash scripts/refit.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
faqbot=target/release/faqbot
train=(tests/data/train_*.jsonl)
features="$work/features.jsonl"
: >"$features"

measure() { # measure CORPUS_NAME TRAIN_FILE
    "$faqbot" eval --corpus "$work/corpus_$1" --index "$work/index_$1" \
        --vector-cache "$work/vector-cache.bin" \
        --features "$work/features_$1_$(basename "$2" .jsonl).jsonl" "$2" >/dev/null
    cat "$work/features_$1_$(basename "$2" .jsonl).jsonl" >>"$features"
}

for file in "${train[@]}"; do
    name="$(basename "$file" .jsonl)"
    python3 scripts/examples.py without faq_corpus "$work/corpus_$name" "$file"
    "$faqbot" index --corpus "$work/corpus_$name" --index "$work/index_$name" \
        --vector-cache "$work/vector-cache.bin" >/dev/null
    measure "$name" "$file"
done
python3 scripts/examples.py without faq_corpus "$work/corpus_none" "${train[@]}"
"$faqbot" index --corpus "$work/corpus_none" --index "$work/index_none" \
    --vector-cache "$work/vector-cache.bin" >/dev/null
for file in "${train[@]}"; do
    measure none "$file"
done
python3 scripts/fit_weights.py "$features"
