"""The dashboard's pure parts: status marks, chart geometry, the runs form's translation, durations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.dashboard import charts, filters, marks
from hub.dashboard.templatetags.dashboard import seconds
from hub.failures.models import Classification
from hub.flaky.models import TestState as State
from hub.response.models import FixState
from hub.runs.models import Conclusion, RunStatus

NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("run", Conclusion.values + RunStatus.values),
        ("state", State.values),
        ("fix", FixState.values),
        ("classification", Classification.values),
    ],
)
def test_every_value_of_each_vocabulary_has_its_own_word_and_a_glyph(kind, values):
    found = [marks.mark(kind, value) for value in values]

    assert all(m.word and m.glyph for m in found)
    assert all(m is not marks.UNKNOWN for m in found)


def test_each_colour_family_has_one_glyph_so_colour_is_never_the_only_signal():
    glyphs: dict[str, set[str]] = {}
    for kind in marks.KINDS:
        for found in marks._MARKS[kind].values():
            glyphs.setdefault(found.tone, set()).add(found.glyph)

    failing_glyphs = glyphs["fail"]
    assert failing_glyphs.isdisjoint(glyphs["pass"] | glyphs["flaky"])
    assert glyphs["pass"].isdisjoint(glyphs["flaky"])


def test_a_completed_run_reads_as_its_conclusion_and_a_running_one_as_its_status():
    assert marks.run_mark("completed", "failure").word == "Failed"
    assert marks.run_mark("in_progress", "").word == "Running"


def test_a_pass_after_a_failed_attempt_reads_as_passed_on_retry():
    assert marks.result_mark("passed", retried=True) == marks.Mark("flaky", "Passed on retry", marks.FLAKY)
    assert marks.result_mark("passed", retried=False).word == "Passed"


def test_an_unknown_value_reads_as_itself_muted():
    assert marks.mark("run", "action_required") == marks.Mark("muted", "Action required", marks.NONE)


def test_the_longest_duration_touches_the_top_and_zero_the_bottom():
    points = charts.polyline([0.0, 2.0, 1.0], width=104, height=54, pad=2).split()

    assert points == ["2.0,52.0", "52.0,2.0", "102.0,27.0"]


def test_a_missing_duration_leaves_a_gap_not_a_zero():
    assert charts.polyline([1.0, None, 1.0], width=10, height=10, pad=0) == "0.0,0.0 10.0,0.0"


def test_sparkline_bars_scale_to_the_busiest_day():
    bars = charts.bars([0, 2, 4], width=30, height=20, gap=1)

    assert [(b["x"], b["h"]) for b in bars] == [(0.0, 0.0), (10.0, 10.0), (20.0, 20.0)]


def test_a_finished_status_is_a_conclusion_and_a_running_one_a_status():
    failed, _ = filters.run_filter_data({"status": "failure"}, NOW)
    running, _ = filters.run_filter_data({"status": "in_progress"}, NOW)

    assert failed == {"conclusion": "failure"}
    assert running == {"status": "in_progress"}


def test_a_period_becomes_an_rfc3339_lower_bound():
    data, errors = filters.run_filter_data({"since": "7d", "branch": " main ", "project": ""}, NOW)

    assert data == {"branch": "main", "created_after": "2026-11-12T12:00:00Z"}
    assert errors == {}


def test_a_status_or_period_not_in_the_lists_is_named():
    _, errors = filters.run_filter_data({"status": "green", "since": "forever"}, NOW)

    assert set(errors) == {"status", "since"}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.045, "45 ms"),
        (3.21, "3.2 s"),
        (42, "42 s"),
        (245, "4 min 05 s"),
        (1920, "32 min"),
        (7620, "2 h 07 min"),
    ],
)
def test_durations_read_as_precisely_as_a_glance_needs(value, shown):
    assert seconds(value) == shown


def test_the_pass_rate_counts_finished_runs_only_and_the_trend_is_in_points():
    from hub.dashboard.summaries import Card, pass_rate

    card = Card(project=None, pass_rate=pass_rate(["success", "failure", ""]), pass_rate_before=0.25)

    assert card.pass_rate == 0.5
    assert card.trend == 25.0
    assert pass_rate(["", ""]) is None
    assert Card(project=None, pass_rate=0.5).trend is None
