"""Datasets the assignments use, each in its own module."""
