"""Statistical kernels: NumPy arrays in, frozen dataclasses (always carrying ``n``) out.

One function per statistic, named for it; each docstring names its reference (usually the R
function whose results it matches) and states its conventions.
"""
