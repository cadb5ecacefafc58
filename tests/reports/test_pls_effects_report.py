"""The report's PLS importance-performance map and total effects: what replaces the quadrant chart, the rule for
a recommendation, and the intervals drawn."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from reports import charts
from reports.charts.style import style
from reports.context import build_context


@pytest.fixture(scope="module")
def context(result: dict[str, Any]) -> dict[str, Any]:
    return build_context(result, lang="en", charts=False)


def test_the_ipma_map_replaces_the_quadrant_chart_of_a_mapped_outcome(result: dict[str, Any],
                                                                     context: dict[str, Any]) -> None:
    target = result["model"]["outcomes"]["satisfaction"]
    ipma = result["ipma"][target]
    driver = next(d for d in context["drivers"] if d["title"].endswith(target))
    assert driver["ipa_title"] == "Where to act first: importance and performance"
    assert [row["label"] for row in driver["ipa_rows"]] == [entry["name"] for entry in ipma["constructs"]]
    for row, entry in zip(driver["ipa_rows"], ipma["constructs"], strict=True):
        lo, hi = entry["importance_ci"]
        assert row["importance"] == f"{entry['importance']:.2f} [{lo:.2f}, {hi:.2f}]"
        # a recommendation only where the map's rule placed the construct
        assert (row["quadrant"] == "no clear position") == (entry["quadrant"] is None)
    assert "improve this first" in driver["ipa_note"]


def test_model_section_shows_total_effects_on_loyalty(result: dict[str, Any], context: dict[str, Any]) -> None:
    loyalty = result["model"]["outcomes"]["loyalty"]
    effects = context["model"]["effects"]
    assert effects["title"] == f"Total effects on {loyalty}"
    expected = {key.split("->")[0] for key in result["pls"]["total_effects"] if key.endswith(f"->{loyalty}")}
    assert {row["label"] for row in effects["rows"]} == expected
    top = max(result["ipma"][loyalty]["constructs"], key=lambda entry: entry["importance"])
    assert effects["lead"].startswith(f"If {top['name']} rises by one point, {loyalty} moves by "
                                      f"{top['importance']:.2f} points")
    assert any(line.startswith("Total effects add up every route") for line in context["methods"])


def test_map_draws_intervals_and_keeps_labels_apart() -> None:
    points = [{"label": f"Factor {k}", "importance": 0.1 * k, "performance": 60 + k,
               "importance_ci": [0.1 * k - 0.05, 0.1 * k + 0.08], "performance_ci": [58 + k, 62 + k]}
              for k in range(6)]
    with style():
        fig = charts.ipa_chart.figure(points, xlabel="Importance", ylabel="Performance")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        ax = fig.axes[0]
        assert len(ax.containers) == len(points)  # one errorbar per point
        assert ax.get_xlim()[0] <= -0.05 and ax.get_xlim()[1] >= 0.58
        renderer = canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        assert not [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                    if boxes[i].overlaps(boxes[j])]
