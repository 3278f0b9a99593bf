"""Checks for the stand-alone UCLA TwoLayerNet."""
