"""The learner's statistics page and per-learner FSRS parameter optimisation."""
