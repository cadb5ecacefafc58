"""Benchmarks: small by default, ``--large`` for the big sizes.

Figures are ratios to a baseline measured in the same run.
"""
