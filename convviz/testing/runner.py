"""Calling someone else's function safely: a time limit, its prints kept aside, its
exceptions and odd return values turned into an :class:`Outcome` instead of a crash.

The time limit uses ``SIGALRM`` (``signal.setitimer``), which interrupts a Python loop
that never ends, ``time.sleep`` and the like: a worker thread could not be stopped,
and a process per call would cost more than the call. Signals only reach the main
thread and do not exist on Windows; elsewhere the check runs without a limit and says
so. The alarm keeps firing every 50 ms after the deadline, so a function that catches
``Exception`` inside its loop is still stopped (:class:`CaseTimeout` is not an
``Exception``); code stuck inside one C call returns only when that call does.
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from .cases import NotApplicable

_REFIRE_SECONDS = 0.05
_PRINT_LIMIT = 2000
_HERE = os.path.dirname(os.path.abspath(__file__))
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


class CaseTimeout(BaseException):
    """Raised inside the user's function when its time is up."""


def time_limit_available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_with_time_limit(func, seconds: float | None):
    """``func()``, interrupted with :class:`CaseTimeout` after ``seconds`` (if possible)."""
    if seconds is None or not time_limit_available():
        return func()
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise CaseTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    start = time.monotonic()
    outer = (0.0, 0.0)
    try:
        outer = signal.setitimer(signal.ITIMER_REAL, seconds, _REFIRE_SECONDS)
        try:
            return func()
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
        if outer[0] > 0:  # someone else's alarm (pytest-timeout...) keeps its deadline
            signal.setitimer(signal.ITIMER_REAL,
                             max(outer[0] - (time.monotonic() - start), 1e-3), outer[1])


@dataclass
class Outcome:
    """What one call gave. ``kind`` is one of:

    * ``"ok"``: equal to the core;
    * ``"wrong"``: an array (or a number) that differs, in value or in shape;
    * ``"raised"``: an exception (``error`` is its one-line text, ``where`` the line
      of the user's code it came from);
    * ``"timeout"``: no answer within the time limit;
    * ``"bad output"``: None, a tuple, a non-numeric or integer array... (``error`` says what).
    """

    case: object
    kind: str
    received: object = None
    error: str = ""
    where: str = ""
    error_type: str = ""
    printed: str = ""

    @property
    def failed(self) -> bool:
        return self.kind != "ok"


def user_frame(exc: BaseException) -> str:
    """``file.py, line 12, in conv2d: out[i, j] = ...`` for the innermost frame outside
    numpy and convviz.testing (where the user's code went wrong)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith((_HERE, _NUMPY))]
    if not frames:
        return ""
    f = frames[-1]
    code = f": {f.line.strip()}" if f.line else ""
    return f"{os.path.basename(f.filename)}, line {f.lineno}, in {f.name}{code}"


def exception_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class Caller:
    """Calls ``fn`` (through ``adapter`` if given) on a case and classifies the result."""

    def __init__(self, fn, adapter=None, timeout: float | None = 2.0, scalar: bool = False):
        self.fn, self.adapter, self.timeout, self.scalar = fn, adapter, timeout, scalar

    def raw(self, case):
        args, options = case.args, case.options
        if self.adapter is not None:
            return self.adapter(self.fn, *args, **options)
        return self.fn(*args, **options)

    def run(self, case) -> Outcome:
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                result = call_with_time_limit(lambda: self.raw(case), self.timeout)
        except CaseTimeout:
            return Outcome(case, "timeout", error=f"no answer within {self.timeout:g} s",
                           printed=printed.getvalue()[:_PRINT_LIMIT])
        except (Exception, SystemExit) as exc:
            return Outcome(case, "raised", error=exception_text(exc), where=user_frame(exc),
                           error_type=type(exc).__name__,
                           printed=printed.getvalue()[:_PRINT_LIMIT])
        checked = self.check_value(result) if self.scalar else self.check_array(result)
        if isinstance(checked, str):
            return Outcome(case, "bad output", received=result, error=checked,
                           printed=printed.getvalue()[:_PRINT_LIMIT])
        kind = "ok" if same(checked, case.expected) else "wrong"
        return Outcome(case, kind, received=checked, printed=printed.getvalue()[:_PRINT_LIMIT])

    @staticmethod
    def check_array(result):
        """``result`` as a floating array, or a sentence saying why it is not one."""
        if result is None:
            return "it returned None (is a `return` missing?)"
        if isinstance(result, tuple) and len(result) > 1:
            return (f"it returned a tuple of {len(result)} items, not one array (a "
                    "cs231n-style (out, cache) needs adapter='cs231n')")
        try:
            array = np.array(result)  # a copy: the function may reuse its buffer
        except Exception as exc:  # ragged lists and the like
            return f"it returned a {type(result).__name__} that is not an array ({exc})"
        if array.dtype.kind in "iu":
            return (f"it returned integers (dtype {array.dtype}) for float64 input: integer "
                    "output truncates every fraction; create the output with a float dtype "
                    "(np.zeros(shape) rather than np.zeros(shape, dtype=int) or "
                    "np.zeros_like(an_int_array))")
        if array.dtype.kind != "f":
            return (f"it returned a {type(result).__name__} of dtype {array.dtype}, "
                    "not floating-point numbers")
        return array

    @staticmethod
    def check_value(result):
        """``result`` as a number, or a sentence saying why it is not an int."""
        if isinstance(result, (bool, np.bool_)) or not isinstance(result, Real):
            return f"it returned {result!r} ({type(result).__name__}), not an int"
        return result


def same(received, expected) -> bool:
    """Equal shapes (or equal numbers) and values within float rounding."""
    if np.ndim(expected) == 0:
        return isinstance(received, Integral) and received == expected
    received = np.asarray(received)
    return received.shape == np.shape(expected) and bool(
        np.allclose(received, expected, rtol=1e-6, atol=1e-6, equal_nan=False))


def matches(received, value) -> bool:
    """Like :func:`same`, for a wrong convention's value (a float counts for numbers)."""
    if np.ndim(value) == 0:
        return isinstance(received, Real) and not isinstance(received, bool) and abs(
            float(received) - float(value)) < 1e-9 and (
            isinstance(received, Integral) == isinstance(value, Integral))
    return same(received, value)


def convention_value(convention, case):
    """The convention's result on ``case``, or None when it says nothing about it."""
    try:
        return convention.compute(case)
    except (NotApplicable, ValueError, IndexError):
        return None
