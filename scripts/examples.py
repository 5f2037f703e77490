#!/usr/bin/env python3
"""Patients' wordings as article examples, and corpora without one training fold.

faqbot searches a message among each article's `questions:` and `examples:` (question to
question, by words and meaning). The training messages that an article answers
(`tests/data/train_*.jsonl`) are its `examples:`, patients' own wordings; the curated
`questions:` stay as the maintainers wrote them. The dev and held-out sets are never added.

The unanswerable training messages are the corpus's `unanswered.toml`: messages the
articles are known not to answer, which lower the confidence of an article that a message
is not closer to.

    python3 scripts/examples.py add faq_corpus tests/data/train_*.jsonl
        adds each answerable training message to the `examples:` of the first article
        of its label, and each unanswerable one to `unanswered.toml`
        (idempotent: a wording already listed is not added again)
    python3 scripts/examples.py without faq_corpus OUT tests/data/train_a.jsonl
        copies the corpus to OUT without the wordings of that file's messages, answerable
        and unanswerable, so the features of those messages are measured as if they were
        new (cross-fitting)
"""
import json
import os
import shutil
import sys

HEADER = ("# Patients' own wordings that this article answers (tests/data/train_*.jsonl),\n"
          "# searched like the questions (words and meaning), never shown.\n"
          "examples:\n")


UNANSWERED = "unanswered.toml"
UNANSWERED_HEADER = (
    "# Messages patients sent that these articles do not answer (an expert had to): a\n"
    "# message closer in meaning to one of them than to anything an article says is less\n"
    "# likely to be answered from that article. Never shown. The unanswerable messages of\n"
    "# tests/data/train_*.jsonl (scripts/examples.py).\n"
    "questions = [\n")


def messages(paths, unanswerable=False):
    for path in paths:
        for line in open(path, encoding="utf-8"):
            d = json.loads(line)
            if unanswerable and d["expect"] == "no_answer":
                yield None, " ".join(d["q"].split())
            elif not unanswerable and isinstance(d["expect"], list):
                yield d["expect"][0], " ".join(d["q"].split())


def add_unanswered(corpus, paths):
    path = os.path.join(corpus, UNANSWERED)
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else UNANSWERED_HEADER + "]\n"
    head, close = text.rsplit("]", 1)
    listed = set(head.split("\n"))
    new = []
    for _, q in messages(paths, unanswerable=True):
        line = item(q).replace("  - ", "  ", 1) + ","
        if line not in listed:
            listed.add(line)
            new.append(line)
    open(path, "w", encoding="utf-8").write(head + "".join(n + "\n" for n in new) + "]" + close)
    print(f"added {len(new)} unanswered messages", file=sys.stderr)


def add(corpus, paths):
    by_article = {}
    for article, q in messages(paths):
        by_article.setdefault(article, []).append(q)
    added = 0
    for article, qs in sorted(by_article.items()):
        path = os.path.join(corpus, article + ".md")
        text = open(path, encoding="utf-8").read()
        head, sep, body = text.partition("\n---\n")
        head += "\n"
        new = [q for q in qs if item(q) + "\n" not in head]
        if not new:
            continue
        if "\nexamples:\n" not in head:
            head += HEADER
        # The examples list closes the front matter.
        head += "".join(item(q) + "\n" for q in new)
        open(path, "w", encoding="utf-8").write(head[:-1] + sep + body)
        added += len(new)
    print(f"added {added} wordings", file=sys.stderr)
    add_unanswered(corpus, paths)


def item(q):
    return "  - " + json.dumps(q, ensure_ascii=False)


def without(corpus, out, paths):
    drop = {item(q) for _, q in messages(paths)}
    drop |= {item(q).replace("  - ", "  ", 1) + "," for _, q in messages(paths, True)}
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(corpus, out)
    removed = 0
    for name in os.listdir(out):
        if not name.endswith(".md") and name != UNANSWERED:
            continue
        path = os.path.join(out, name)
        lines = open(path, encoding="utf-8").read().split("\n")
        kept = [line for line in lines if line not in drop]
        removed += len(lines) - len(kept)
        open(path, "w", encoding="utf-8").write("\n".join(kept))
    print(f"removed {removed} wordings", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1] == "add":
        add(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "without":
        without(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
