import math
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from quizapp.scheduling import Grade, MemoryState, Settings, optimize, review, simulation
from quizapp.scheduling.optimize import Answer, Scored

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
# A learner who forgets faster than FSRS's defaults assume.
FORGETFUL = (0.08, 0.6, 1.2, 4.0, *DEFAULT_PARAMETERS[4:8], 1.1, *DEFAULT_PARAMETERS[9:])


def simulate(truth, *, cards=120, days=120, seed=1):
    """Answers of a learner scheduled with the defaults whose recall follows `truth`."""
    return simulation.simulate(truth, cards=cards, days=days, seed=seed)


def test_usable_reviews_need_a_day_since_the_cards_previous_answer():
    answers = [
        Answer(1, 3, START),
        Answer(1, 3, START + timedelta(minutes=10)),  # same day: not usable
        Answer(1, 3, START + timedelta(days=1)),  # 23 h 50 min after the previous: not usable
        Answer(1, 3, START + timedelta(days=2)),
        Answer(1, 1, START + timedelta(days=5)),
        Answer(2, 3, START + timedelta(days=5)),  # a card's first answer: not usable
    ]
    assert optimize.usable_reviews(answers) == 2


def test_only_a_cards_first_64_answers_count():
    answers = [Answer(1, 3, START + timedelta(days=n)) for n in range(100)]
    assert optimize.usable_reviews(answers) == 63


def test_a_short_history_is_refused_before_the_optimiser_is_built(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the optimiser must not run")

    monkeypatch.setattr(fsrs, "Optimizer", never)
    answers = [Answer(1, 3, START + timedelta(days=n)) for n in range(30)]
    with pytest.raises(optimize.NotEnoughReviews) as refused:
        optimize.fit(answers)
    # The latest 30% (answers 22 to 30) are kept aside; 21 answers leave 20 usable.
    assert refused.value.usable == 20
    assert "at least 512" in str(refused.value) and "there are 20" in str(refused.value)


def test_a_missing_torch_says_how_to_install_it(monkeypatch):
    class WithoutTorch:
        def __init__(self, *args, **kwargs):
            raise ImportError('Optimizer is not installed.\nInstall it with: pip install "fsrs"')

    monkeypatch.setattr(fsrs, "Optimizer", WithoutTorch)
    answers = simulate(FORGETFUL)
    assert optimize.usable_reviews(answers) >= optimize.MIN_REVIEWS
    with pytest.raises(optimize.OptimizerMissing) as missing:
        optimize.fit(answers)
    assert "pip install 'quizapp[optimizer]'" in str(missing.value)


def test_log_loss_by_hand():
    scored = [Scored(0.9, True), Scored(0.8, False)]
    assert optimize.log_loss(scored) == pytest.approx((-math.log(0.9) - math.log(0.2)) / 2)
    assert math.isnan(optimize.log_loss([]))


def test_rmse_bins_by_hand():
    # One bin: mean prediction 0.7, recall 1/2 -> gap 0.2 over 2 answers.
    # Another: mean prediction 0.5, recall 1/2 -> no gap.
    a, b = (248, 2, 0), (896, 4, 2)
    scored = [
        Scored(0.9, True, a),
        Scored(0.5, False, a),
        Scored(0.5, True, b),
        Scored(0.5, False, b),
    ]
    assert optimize.rmse_bins(scored) == pytest.approx(math.sqrt(2 * 0.2**2 / 4))


def test_rmse_bins_group_as_srs_benchmark_does():
    """Bins of elapsed days, earlier long-term reviews and lapses, on log scales (fsrs-rs)."""
    assert optimize._bin(1, 0, 0) == (248, 2, 0)
    assert optimize._bin(3, 0, 0) == (248, 2, 0)  # 1 to 3 days share a bin
    assert optimize._bin(4, 1, 0) == (898, 4, 0)
    assert optimize._bin(30, 5, 2) == (3250, 7, 3)


def test_predictions_bin_by_history():
    answers = [
        Answer(1, 3, START),
        Answer(1, 1, START + timedelta(days=2)),
        Answer(1, 3, START + timedelta(days=3)),
        Answer(1, 3, START + timedelta(days=20)),
    ]
    bins = [item.bin for item in optimize.predictions(answers)]
    assert [b[1:] for b in bins] == [(2, 0), (4, 2), (4, 2)]


def test_predictions_score_later_answers_from_the_whole_history():
    answers = [
        Answer(1, 3, START),
        Answer(1, 3, START + timedelta(days=2)),
        Answer(1, 1, START + timedelta(days=10)),
        Answer(2, 3, START + timedelta(days=10)),
    ]
    scored = optimize.predictions(answers)
    assert [item.recalled for item in scored] == [True, False]
    later = optimize.predictions(answers, since=START + timedelta(days=5))
    assert later == scored[1:]


def test_replay_gives_the_state_answering_one_by_one_gave():
    settings = Settings(fuzz=False)
    memory = MemoryState()
    answers = []
    at = START
    for grade in (Grade.GOOD, Grade.GOOD, Grade.AGAIN, Grade.GOOD, Grade.EASY):
        memory = review(settings, card_id=7, memory=memory, grade=grade, now=at).after
        answers.append(Answer(7, int(grade), at))
        at = memory.due
    assert optimize.replay(settings, card_id=7, answers=reversed(answers)) == memory


def test_fit_learns_a_forgetful_learners_parameters():
    answers = simulate(FORGETFUL)
    result = optimize.fit(answers)
    assert result.usable >= optimize.MIN_REVIEWS
    assert result.old == tuple(DEFAULT_PARAMETERS)
    assert len(result.new) == len(DEFAULT_PARAMETERS) and result.new != result.old
    assert all(
        low <= value <= high
        for value, low, high in zip(
            result.new, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    )
    assert result.improved and result.new_loss < result.old_loss
    # The learner forgets faster: the fitted initial stability for Good is lower.
    assert result.new[2] < DEFAULT_PARAMETERS[2]


def test_pretraining_finds_a_learners_initial_stabilities():
    """From first reviews alone, as srs-benchmark's pre-training step does."""
    forgetful = simulation.LEARNERS[0].parameters  # initial stability for Good 1.0, not 2.3
    answers = optimize.day_stamped(
        simulation.simulate(forgetful, cards=240, days=40, seed=3, new_per_day=12),
        simulation.StudyDay(),
    )
    initial = optimize.pretrain_initial_stability(answers)
    assert initial is not None and list(initial) == sorted(initial)
    assert initial[2] == pytest.approx(forgetful[2], rel=0.35)
    assert abs(initial[2] - forgetful[2]) < abs(DEFAULT_PARAMETERS[2] - forgetful[2]) / 2
    assert optimize.pretrain_initial_stability(answers[:1]) is None
