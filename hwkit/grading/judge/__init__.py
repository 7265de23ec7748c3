"""Judging outside the grading threads: ``verdicts`` (a zip's setups and verdicts, run in a
judge process), ``server`` (that process), ``pool`` (one per grading thread, each verdict
under its own time limit), ``frames`` (their pipe protocol)."""
