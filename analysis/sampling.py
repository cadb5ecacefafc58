"""The size rules of a large survey's analysis, in one place: how many rows each resampling procedure uses at most,
and the seeded sampler that draws them.

Point estimates always use every respondent. What grows with the sample size is the cost of procedures that redo
an estimate many times (bootstrap resamples, cross-validation folds, permutations); above these sizes they run on
fewer rows, where the statistics stay sound:

* bootstrap (PLS paths, key drivers): above :data:`LARGE_N` respondents each resample draws
  :data:`BOOTSTRAP_SUBSAMPLE` rows, an m-out-of-n bootstrap whose spread is rescaled by sqrt(m / n) to the full
  sample (Bickel, Götze & van Zwet 1997; valid for these smooth functions of means and covariances, whose
  estimates are asymptotically normal); ``tests/analysis/test_pls.py`` and ``test_drivers.py`` show the rescaled
  SEs agree with the full bootstrap's;
* PLSpredict (out-of-sample RMSE, MAE and Q²_predict): above :data:`PREDICT_MAX_ROWS` complete respondents, the
  folds are formed on a seeded random sample of that many. The metrics are averages of out-of-sample errors, which
  a sample of 20,000 estimates to within about 1 % (the training folds of 18,000 rows estimate the model as
  precisely as the error of the held-out rows allows);
* the satisfaction trap's penalty-reward bootstrap: resamples of at most :data:`TRAP_BOOTSTRAP_ROWS` rows, rescaled
  the same way;
* comment themes: the number of themes is chosen on a seeded sample of :data:`THEME_SELECTION_SAMPLE` comments
  (stability of the themes, a choice rather than an estimate), then fitted on every comment;
* MICOM and the multi-group analysis: a group of more than :data:`MAX_GROUP_ROWS` is represented by a seeded
  random sample of that many, in the observed and the permuted statistics alike, so the permutation test stays
  exact.

``docs/analysis.md`` (*Large samples*) and the report's methods appendix state the same rules.
"""

from __future__ import annotations

import numpy as np

#: Above this many usable respondents each bootstrap resample draws :data:`BOOTSTRAP_SUBSAMPLE` rows.
LARGE_N = 100_000
#: Rows per bootstrap resample above :data:`LARGE_N` (m of the m-out-of-n bootstrap): at 20,000 rows the
#: intervals are already far narrower than any difference worth reporting.
BOOTSTRAP_SUBSAMPLE = 20_000
#: Complete respondents PLSpredict's folds are formed on at most (a seeded random sample above it).
PREDICT_MAX_ROWS = 20_000
#: Rows per bootstrap resample of the satisfaction trap's penalty-reward regressions at most (the same m-out-of-n
#: bootstrap): at 10,000 rows the intervals are already far narrower than any class boundary, and 40 attributes x
#: 200 resamples stay within a few seconds on one core.
TRAP_BOOTSTRAP_ROWS = 10_000
#: Comments the number of themes is chosen on at most (a seeded sample; the chosen number is then fitted on all).
THEME_SELECTION_SAMPLE = 3_000
#: Respondents per group MICOM and the multi-group analysis use at most: each permutation costs time in proportion
#: to the pair's rows, and at 5,000 per group a path difference's standard error is already about 0.02.
MAX_GROUP_ROWS = 5_000


def sample_rows(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Positions (ascending) of a simple random sample of ``size`` of ``n`` rows, drawn without replacement from
    ``rng``; every position when ``size`` is not below ``n``.

    Examples
    --------
    >>> sample_rows(10, 3, np.random.default_rng(1)).tolist()  # doctest: +SKIP
    [2, 5, 8]
    """
    if size >= n:
        return np.arange(n)
    return np.sort(rng.choice(n, size=int(size), replace=False))
