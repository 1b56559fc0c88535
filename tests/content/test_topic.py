"""Telling what an article is about from its own text."""

from __future__ import annotations

import pytest

from quizapp.content.topic import TopicKind, detect_topic_kind


@pytest.mark.parametrize(
    ("topic", "opening", "kind"),
    [
        ("Hip arthroscopy", "Hip arthroscopy is keyhole surgery on the hip joint.", "procedure"),
        ("Knee ultrasound", "A knee ultrasound uses sound waves.", "test"),
        ("Snapping hip", "Snapping hip is a condition in which a tendon catches.", "condition"),
        ("Hamstring tear", "A hamstring tear is an injury to the muscles.", "injury"),
        ("Knee effusion", "A knee effusion is a finding of excess fluid.", "finding"),
        ("Groin pain", "Groin pain is pain felt where the thigh meets the abdomen.", "symptom"),
        ("Trochanteric bursitis", "It is irritation of a bursa.", "condition"),
    ],
)
def test_kind_from_the_title_or_opening(topic: str, opening: str, kind: str) -> None:
    assert detect_topic_kind(topic, opening) is TopicKind(kind)


def test_the_opening_decides_when_the_title_does_not() -> None:
    opening = "Snapping hip is a symptom: a click felt when the hip moves."
    assert detect_topic_kind("Snapping hip", opening) is TopicKind.SYMPTOM
