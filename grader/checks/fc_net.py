"""Checks for TwoLayerNet and FullyConnectedNet."""
