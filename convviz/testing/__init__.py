"""Grade anyone's convolution against the verified core, and say which step is wrong.

numpy only. The checks call a function on random configurations drawn from the
features it supports, compare with the core, shrink the first failure to the smallest
failing configuration and name the wrong convention it follows::

    from convviz.testing import check_conv2d
    report = check_conv2d(my_conv2d, layout="keras", features={"padding", "stride", "bias"})
    print(report)                 # verdict, diagnosis, smallest failing case
    report.passed, report.diagnosis, report.failure

* :func:`check_conv2d`, :func:`check_pool2d`, :func:`check_output_size` return a
  :class:`CheckReport`; the ``assert_*`` forms raise ``AssertionError`` for pytest.
* :mod:`convviz.testing.strategies`: hypothesis strategies for your own property
  tests (``conv_cases``, ``pool_cases``, ``size_cases``; needs ``convviz[testing]``).
* ``convviz check FILE.py:FUNCTION`` runs a check from the shell.
"""
from .cases import ConvCase, PoolCase, SizeCase
from .check import (
    ADAPTERS,
    assert_conv2d_correct,
    assert_output_size_correct,
    assert_pool2d_correct,
    check_conv2d,
    check_output_size,
    check_pool2d,
)
from .report import CheckReport, Failure

__all__ = [
    "check_conv2d",
    "check_pool2d",
    "check_output_size",
    "assert_conv2d_correct",
    "assert_pool2d_correct",
    "assert_output_size_correct",
    "CheckReport",
    "Failure",
    "ConvCase",
    "PoolCase",
    "SizeCase",
    "ADAPTERS",
    "conv_cases",
    "pool_cases",
    "size_cases",
]

_STRATEGIES = ("conv_cases", "pool_cases", "size_cases")


def __getattr__(name):
    # The strategies need hypothesis; import it only when they are asked for.
    if name in _STRATEGIES:
        from . import strategies
        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
