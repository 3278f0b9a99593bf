"""Checks for training outcomes: overfit-50, optimizer sanity, accuracy thresholds."""
