import pytest

from quizapp.analysis import item_statistics


def test_facility_is_the_mean_score_in_percent():
    stats = item_statistics({1: {10: 1.0}, 2: {10: 0.0}, 3: {10: 1.0}, 4: {10: 1.0}})
    assert stats[10].facility == 75 and stats[10].learners == 4


def test_discrimination_matches_a_hand_computed_correlation():
    # Item 1 is passed by the learners who do well elsewhere: strongly discriminating.
    scores = {
        1: {1: 1.0, 2: 1.0, 3: 1.0},
        2: {1: 1.0, 2: 1.0, 3: 0.0},
        3: {1: 0.0, 2: 0.0, 3: 1.0},
        4: {1: 0.0, 2: 0.0, 3: 0.0},
    }
    # x1 = [1,1,0,0], rest = [2,1,1,0]: cov = 1/3, var x = 1/3, var rest = 2/3
    assert item_statistics(scores)[1].discrimination == pytest.approx(100 / 2**0.5)


def test_an_item_everyone_passes_cannot_discriminate():
    stats = item_statistics({1: {1: 1.0, 2: 0.0}, 2: {1: 1.0, 2: 1.0}})
    assert stats[1].discrimination is None and stats[1].facility == 100


def test_negative_discrimination_when_weaker_learners_do_better():
    scores = {1: {1: 0.0, 2: 1.0, 3: 1.0}, 2: {1: 1.0, 2: 0.0, 3: 0.0}, 3: {1: 1.0, 2: 0.0, 3: 0.0}}
    assert item_statistics(scores)[1].discrimination < 0


def test_one_learner_gives_no_discrimination():
    assert item_statistics({1: {1: 1.0, 2: 0.0}})[1].discrimination is None
