"""Tests of the Gradescope deployment: the bundle, run_autograder and their results.json."""
