"""The thresholds and names the report's sections share (with their sources)."""

from __future__ import annotations

import math
import re

#: Respondents below which the summary warns that small differences are not reliable.
SMALL_N = 100
#: Rules of thumb for the measurement caveats (Nunnally; Fornell & Larcker 1981; Henseler et al. 2015).
MIN_ALPHA, MIN_AVE, MAX_HTMT = 0.70, 0.50, 0.90
#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054
#: Significance level of the group flags.
ALPHA_LEVEL = 0.05
#: Groups per heatmap table: more would not fit the width of an A4 page.
HEATMAP_COLUMNS = 7
#: Columns of figures per table when a wide table is split (base.column_chunks), beside its label column: with
#: long labels (the stress model's, bench.report_bench) 7 of the HTMT's would cross the A4 page's right margin.
TABLE_COLUMNS = 6
#: The construct that holds the internal-service ratings of the employee questionnaire, when meta names none.
INTERNAL_SERVICE = "InternalService"
#: Kaiser's (1974) labels of the KMO measure, lower bounds.
KMO_WORDS = ((0.90, "marvelous"), (0.80, "meritorious"), (0.70, "middling"), (0.60, "mediocre"),
             (0.50, "miserable"), (-math.inf, "unacceptable"))
DASH = "–"
#: The IA cut-offs of the basic / performance / excitement classes (analysis.trap_attributes).
IA_CUT = 0.2
#: Silent share of customers with a problem from which the report advises making complaining easy.
SILENT_SHARE = 0.3
SEGMENTS = ("loyalist", "apostle", "mercenary", "hostage", "defector", "terrorist")
STAGES = ("exploration", "formation", "stability", "decline")
COMPLAINT_GROUPS = ("no_problem", "silent", "complained", "recovered")
#: The trap sub-section of each finding kind (analysis.trap_findings.FINDING_KINDS); other kinds are general.
FINDING_PARTS = {
    "trap_index": "index",
    "zone": "curve", "lift": "curve",
    "segments": "segments",
    "basic_attributes": "attributes", "latent_attributes": "attributes", "kano_agreement": "attributes",
    "deepest_stage": "stages",
    "silent_complaints": "complaints", "recovery_paradox": "complaints", "no_recovery_paradox": "complaints",
    "said_satisfied": "behaviour", "revenue_at_risk": "behaviour",
}
_CUT = re.compile(r"'([^']+)'\s*>=\s*([-\d.]+)")
