"""Check someone's convolution, pooling or output-size formula against the core.

A check draws ``cases`` random configurations (small ones first) from the features
the function supports, calls the function on each (:mod:`~convviz.testing.runner`:
time limit, prints kept aside, exceptions caught) and compares with the core. When
something fails it

1. looks for the wrong convention (:mod:`~convviz.testing.conventions`) that equals
   the function's output on *every* case it answered — right and wrong ones alike;
2. shrinks the first failure that convention explains (or, when none does, the first
   failure) to the smallest configuration that still fails the same way;
3. says so in one sentence, and keeps the first differing output cell with the core's
   step for it (window, products, sums, from :func:`convviz.trace_conv2d`).
"""
from __future__ import annotations

import time
from numbers import Real

import numpy as np

from ..conv import _positive_int
from ..trace import trace_conv2d
from .cases import (CONV_FEATURES, OPTION_NAMES, POOL_FEATURES, POOL_KINDS,
                    POOL_OPTION_NAMES, SIZE_FEATURES, SIZE_OPTION_NAMES, RngChooser,
                    check_layout, draw_conv_case, draw_pool_case, draw_size_case,
                    infer_features, parse_features)
from .conventions import CONV_CONVENTIONS, POOL_CONVENTIONS, SIZE_CONVENTIONS
from .report import CheckReport, Failure
from .runner import Caller, convention_value, matches, time_limit_available

__all__ = ["check_conv2d", "check_pool2d", "check_output_size", "assert_conv2d_correct",
           "assert_pool2d_correct", "assert_output_size_correct", "ADAPTERS"]

_SHRINK_CALLS = 300       # structural simplifications tried at most
_SHRINK_VALUE_CALLS = 200  # entries set to 0 / +-1 tried at most
_CLOSEST_SAMPLE = 40      # failing cases compared with every convention when none fits all
_EARLY_SHARE = 0.4        # the first 40 % of the cases grow from the smallest size


# --------------------------------------------------------------------------- adapters
def cs231n(fn, x, w, bias=None, stride=1, padding=0):
    """Call cs231n's ``conv_forward_naive(x, w, b, conv_param) -> (out, cache)``.

    ``x`` ``(N, C, H, W)``, ``w`` ``(F, C, HH, WW)`` (layout ``"torch"``); a missing
    bias is passed as zeros, ``conv_param`` is ``{"stride": ..., "pad": ...}``.
    """
    b = np.zeros(w.shape[0]) if bias is None else bias
    result = fn(x, w, b, {"stride": stride, "pad": padding})
    return result[0] if isinstance(result, tuple) else result


ADAPTERS = {"cs231n": (cs231n, "torch")}


def resolve_adapter(adapter, layout: str):
    """``adapter`` as a callable ``adapter(fn, *arrays, **options)`` (or None)."""
    if adapter is None or callable(adapter):
        return adapter
    if isinstance(adapter, str) and adapter in ADAPTERS:
        function, wanted = ADAPTERS[adapter]
        if layout != wanted:
            raise ValueError(f"adapter {adapter!r} passes layout {wanted!r} arrays, "
                             f"got layout={layout!r}")
        return function
    raise ValueError(f"adapter must be a callable or one of {sorted(ADAPTERS)}, got {adapter!r}")


# --------------------------------------------------------------------------- arguments
def _settings(cases, seed, timeout):
    cases = _positive_int(cases, "cases")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if timeout is not None and (not isinstance(timeout, Real) or isinstance(timeout, bool)
                                or timeout <= 0):
        raise ValueError(f"timeout must be a number of seconds > 0 or None, got {timeout!r}")
    return cases, seed, timeout


def _features(fn, adapter, features, layout, option_names, allowed):
    """``(features, note)``: declared, or read from the signature of fn (or the adapter)."""
    if features is not None:
        return parse_features(features, allowed, layout), ""
    source = adapter if adapter is not None else fn
    found = infer_features(source, layout, option_names, allowed, skip_first=adapter is not None)
    if layout == "2d":
        found -= {"channels", "filters", "groups"}
    name = getattr(source, "__name__", "the function")
    return found, f"features read from the signature of {name}; pass features= to choose"


def _name(fn, name):
    return name or getattr(fn, "__name__", None) or repr(fn)


# --------------------------------------------------------------------------- public
def check_conv2d(fn, *, layout: str = "keras", features=None, cases: int = 200, seed: int = 0,
                 adapter=None, timeout: float | None = 2.0, name: str | None = None) -> CheckReport:
    """Check a 2-D convolution ``fn(x, kernel, **options)`` against :func:`convviz.conv2d`.

    Args:
        fn: the function to check. It is called as ``fn(x, kernel, **options)`` with
            arrays and option names of ``layout`` (see :mod:`convviz.testing.cases`):
            ``"keras"`` ``(N, H, W, C)`` / ``(kh, kw, C_in, C_out)`` with ``bias=``,
            ``strides=``, ``padding=``, ``dilation_rate=``, ``groups=``; ``"torch"``
            ``(N, C, H, W)`` / ``(C_out, C_in, kh, kw)`` with ``bias=``, ``stride=``,
            ``padding=``, ``dilation=``, ``groups=``; ``"2d"`` ``(H, W)`` / ``(kh, kw)``.
        features: the words of what ``fn`` supports: ``"padding"`` ('valid'/'same'),
            ``"padding_amounts"`` (ints), ``"pairs"``, ``"stride"``, ``"dilation"``,
            ``"bias"``, ``"channels"``, ``"filters"``, ``"groups"``. Only their options
            are passed. None: read from ``fn``'s parameter names (channels and filters
            for the keras and torch layouts).
        cases: how many random configurations to check; ``seed`` makes them repeatable.
        adapter: ``adapter(fn, x, kernel, **options) -> output`` for any other
            signature, or ``"cs231n"`` for ``conv_forward_naive(x, w, b, conv_param)``.
        timeout: seconds allowed per call (None: no limit).
        name: how the report names ``fn``.

    Returns:
        a :class:`CheckReport`; ``report.passed``, ``report.diagnosis``, ``report.failure``.
    """
    layout = check_layout(layout)
    cases, seed, timeout = _settings(cases, seed, timeout)
    adapter = resolve_adapter(adapter, layout)
    features, note = _features(fn, adapter, features, layout, OPTION_NAMES[layout],
                               CONV_FEATURES)
    return _check(Caller(fn, adapter, timeout), _name(fn, name),
                  lambda choose, size: draw_conv_case(choose, layout, features, size),
                  CONV_CONVENTIONS, cases, seed, layout, features, note)


def check_pool2d(fn, *, kind: str = "max", layout: str = "keras", features=None,
                 cases: int = 200, seed: int = 0, adapter=None, timeout: float | None = 2.0,
                 name: str | None = None) -> CheckReport:
    """Check max or average pooling ``fn(x, **options)`` against the core's pooling.

    ``kind`` is ``"max"`` or ``"avg"``. Options: ``pool_size=`` (always), ``strides=``
    (``"stride"``: ints, pairs with ``"pairs"``, and None meaning pool_size) and
    ``padding=`` (``"padding"``: 'valid'/'same') for the keras and 2d layouts;
    ``kernel_size=`` and ``stride=`` for torch (padding there follows PyTorch's own
    rules, which the core does not model, so ``"padding"`` is refused).
    ``"channels"``: more than one channel. The rest as :func:`check_conv2d`.
    """
    if kind not in POOL_KINDS:
        raise ValueError(f"kind must be one of {POOL_KINDS}, got {kind!r}")
    layout = check_layout(layout)
    cases, seed, timeout = _settings(cases, seed, timeout)
    adapter = resolve_adapter(adapter, layout)
    features, note = _features(fn, adapter, features, layout, POOL_OPTION_NAMES[layout],
                               POOL_FEATURES)
    if layout == "torch" and "padding" in features:
        raise ValueError("features 'padding' is not checked for layout 'torch': PyTorch pads "
                         "pooling its own way (count_include_pad); use layout 'keras'")
    return _check(Caller(fn, adapter, timeout), _name(fn, name),
                  lambda choose, size: draw_pool_case(choose, layout, features, kind, size),
                  POOL_CONVENTIONS, cases, seed, layout, features, note)


def check_output_size(fn, *, features=None, cases: int = 200, seed: int = 0,
                      timeout: float | None = 2.0, name: str | None = None) -> CheckReport:
    """Check an output-size formula ``fn(n, k, **options) -> int`` against
    :func:`convviz.conv_output_size`.

    Options, by feature: ``stride=``, ``dilation=``, ``padding=`` (``"padding"``: the
    words 'valid', 'same', 'full'; ``"padding_amounts"``: an int on each side, with
    ``"pairs"`` also ``(before, after)``). None: read from ``fn``'s parameter names.
    """
    cases, seed, timeout = _settings(cases, seed, timeout)
    features, note = _features(fn, None, features, "size", SIZE_OPTION_NAMES, SIZE_FEATURES)
    return _check(Caller(fn, None, timeout, scalar=True), _name(fn, name),
                  lambda choose, size: draw_size_case(choose, features, size),
                  SIZE_CONVENTIONS, cases, seed, "size", features, note)


def assert_conv2d_correct(fn, **kwargs) -> CheckReport:
    """:func:`check_conv2d`, raising ``AssertionError`` with the report when it fails."""
    return _assert(check_conv2d(fn, **kwargs))


def assert_pool2d_correct(fn, **kwargs) -> CheckReport:
    """:func:`check_pool2d`, raising ``AssertionError`` with the report when it fails."""
    return _assert(check_pool2d(fn, **kwargs))


def assert_output_size_correct(fn, **kwargs) -> CheckReport:
    """:func:`check_output_size`, raising ``AssertionError`` with the report when it fails."""
    return _assert(check_output_size(fn, **kwargs))


def _assert(report: CheckReport) -> CheckReport:
    if not report.passed:
        raise AssertionError("\n" + report.text())
    return report


# --------------------------------------------------------------------------- engine
def _check(caller, name, draw, conventions, cases, seed, layout, features, note):
    start = time.perf_counter()
    outcomes = []
    for case in drawn_cases(draw, cases, seed):
        outcome = caller.run(case)
        outcomes.append(outcome)
        if outcome.kind == "timeout":
            break
    notes = [note] if note else []
    if caller.timeout is not None and not time_limit_available():
        notes.append("no time limit per case: it needs signals, which exist only on the "
                     "main thread of a Unix process")
    if len(outcomes) < cases:
        notes.append(f"stopped after case {len(outcomes)}: it did not return in time")
    report = dict(function=name, operation=outcomes[0].case.operation,
                  core=outcomes[0].case.core_name, layout=layout, features=features,
                  cases=len(outcomes), seed=seed)
    failed = [o for o in outcomes if o.failed]
    if not failed:
        return CheckReport(passed=True, notes=tuple(notes),
                           seconds=time.perf_counter() - start, **report)
    found = _diagnose(outcomes, failed, caller, conventions)
    notes += found.pop("notes")
    return CheckReport(passed=False, failed=len(failed), notes=tuple(notes),
                       seconds=time.perf_counter() - start, **report, **found)


def drawn_cases(draw, cases: int, seed: int):
    """The ``cases`` configurations a check with ``seed`` draws, the smallest first:
    ``draw(chooser, size)`` with ``size`` growing from 0 to 1 over the first 40 %."""
    choose = RngChooser(np.random.default_rng(seed))
    for i in range(cases):
        yield draw(choose, min(1.0, (i + 1) / max(1.0, cases * _EARLY_SHARE)))


def _fits(convention, outcome) -> bool:
    value = convention_value(convention, outcome.case)
    return value is not None and matches(outcome.received, value)


def _diagnose(outcomes, failed, caller, conventions) -> dict:
    answered = [o for o in outcomes if o.kind in ("ok", "wrong")]
    wrong = [o for o in answered if o.kind == "wrong"]
    right = [o for o in answered if o.kind == "ok"]
    errors = [o for o in failed if o.kind != "wrong"]
    fitting = [c for c in conventions if wrong and all(_fits(c, o) for o in wrong)
               and all(_fits(c, o) for o in right)]
    notes = []
    if fitting:
        convention = fitting[0]
        smallest = _shrink(wrong[0], lambda o: o.kind == "wrong" and _fits(convention, o), caller)
        sentence = convention.explain(smallest.case)
        also = tuple(dict.fromkeys(_sentence(c.explain(smallest.case)) for c in fitting[1:]
                                   if c.explain(smallest.case) != sentence))
        if errors:
            notes.append(_errors_note(errors))
        return dict(diagnosis=_sentence(sentence), convention=convention.name, also=also,
                    failure=_failure(smallest), notes=notes)
    first = failed[0]
    if first.kind == "wrong":
        smallest = _shrink(first, lambda o: o.kind == "wrong", caller)
        diagnosis = _unexplained(smallest, wrong, conventions)
        if errors:
            notes.append(_errors_note(errors))
    elif first.kind == "timeout":
        smallest = first
        diagnosis = (f"Your function did not return within {caller.timeout:g} s on the case "
                     "below: it may loop forever (a loop whose counter never moves on?) or be "
                     "far too slow for arrays this small.")
    else:
        same_error = (lambda o: o.kind == first.kind and o.error_type == first.error_type)
        smallest = _shrink(first, same_error, caller)
        diagnosis = _error_sentence(smallest)
        if len(wrong):
            notes.append(f"on {len(wrong)} other case(s) it returned a wrong result")
    return dict(diagnosis=diagnosis, convention=None, also=(), failure=_failure(smallest),
                notes=notes)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _errors_note(errors) -> str:
    """One line for the cases that failed another way than the diagnosed one."""
    groups = {}
    for o in errors:
        groups.setdefault(o.error_type or o.kind, []).append(o)
    parts = []
    for group in groups.values():
        what = f"raised {group[0].error}" if group[0].kind == "raised" else (
            "did not return in time" if group[0].kind == "timeout" else
            f"gave an unusable result ({group[0].error})")
        parts.append(f"{what} on {len(group)} case(s), e.g. with {_shape_text(group[0].case)}")
        if len(parts) == 2:
            break
    return "it also " + "; and ".join(parts)


def _shape_text(case) -> str:
    shapes = case.shapes
    return ", ".join(f"{k} {v}" for k, v in shapes.items()) if shapes else "these numbers"


def _error_sentence(outcome) -> str:
    if outcome.kind == "bad output":
        return _sentence(f"your function's result cannot be compared: {outcome.error}")
    where = f" at {outcome.where}" if outcome.where else ""
    hint = _error_hint(outcome)
    return _sentence(f"your function raised {outcome.error}{where}" + (f"; {hint}" if hint else ""))


def _error_hint(outcome) -> str:
    """What a raised exception usually means in a hand-written convolution, if we know."""
    error, case = outcome.error, outcome.case
    if outcome.error_type == "TypeError" and "unexpected keyword argument" in error:
        return ("it was called with the options of the declared features, so leave out of "
                "features= what it does not support (or use an adapter)")
    if "cannot be interpreted as an integer" in error and "'tuple'" in error:
        return ("strides, dilation or padding came as an (h, w) pair; leave 'pairs' out of "
                "features= if it takes ints only")
    if "'str'" in error and isinstance(getattr(case, "padding", None), str):
        return (f"padding came as the word {case.padding!r}; declare 'padding_amounts' "
                "instead of 'padding' if it takes a number of zeros")
    bias = getattr(case, "bias", None)
    if ("could not be broadcast" in error and case.layout == "torch" and bias is not None
            and f"({len(bias)},)" in error):
        return ("a (C_out,) bias added to an (N, C_out, H, W) array lines up with the last "
                "axis (the width), not the channels: reshape it to (C_out, 1, 1)")
    return ""


def _unexplained(smallest, wrong, conventions) -> str:
    """The diagnosis when no single convention fits every case."""
    sample = wrong[:_CLOSEST_SAMPLE]
    counts = sorted(((sum(_fits(c, o) for o in sample), -i) for i, c in enumerate(conventions)),
                    reverse=True)
    best, index = (counts[0][0], -counts[0][1]) if counts else (0, 0)
    if best >= max(2, -(-len(sample) // 4)):
        return _sentence(f"no single known mistake explains every failing case (there may be "
                         f"two); the closest explains {best} of {len(sample)}: "
                         + conventions[index].explain(smallest.case))
    expected, received = smallest.case.expected, smallest.received
    if np.shape(received) != np.shape(expected):
        return _sentence(f"your output has shape {np.shape(received)} where "
                         f"{smallest.case.core_name} gives {np.shape(expected)}: the output "
                         "size is wrong, and no known mistake explains it")
    if np.ndim(expected) == 0:
        return _sentence(f"your formula gives {received} where {smallest.case.core_name} "
                         f"gives {expected}, and no known mistake explains it")
    cell = _first_difference(expected, received)
    index = ", ".join(str(i) for i in cell)
    return _sentence(f"your output matches none of the known mistakes; the first cell that "
                     f"differs is out[{index}]: expected {np.asarray(expected)[cell]:g}, "
                     f"received {np.asarray(received)[cell]:g}")


class _Trials:
    """Calls of the function spent on shrinking: at most ``budget``, none after a timeout."""

    def __init__(self, caller, keep, budget: int):
        self.caller, self.keep, self.left, self.stopped = caller, keep, budget, False

    def first_kept(self, candidates):
        """The outcome of the first candidate that ``keep`` accepts, or None."""
        for candidate in candidates:
            if self.stopped or self.left <= 0:
                return None
            self.left -= 1
            result = self.caller.run(candidate)
            if result.kind == "timeout":
                self.stopped = True
                return None
            if self.keep(result):
                return result
        return None


def _valid(cases):
    return (c for c in cases if c.valid())


def _shrink(outcome, keep, caller):
    """The smallest variant of ``outcome.case`` whose outcome still satisfies ``keep``.

    Greedy: the first simpler configuration that still fails replaces the current one;
    at a local minimum two simplifications at once are tried (a smaller dilation may
    only fail together with a smaller input). Then entries are set to 0 or +-1.
    """
    best = outcome
    trials = _Trials(caller, keep, _SHRINK_CALLS)
    while True:
        found = trials.first_kept(_valid(best.case.simpler()))
        if found is None:
            found = trials.first_kept(_valid(two for one in best.case.simpler()
                                             for two in one.simpler()))
        if found is None:
            break
        best = found
    if best.kind != "wrong" or np.shape(best.received) != np.shape(best.case.expected):
        return best  # an error, or wrong sizes: values set to 0 would only hide them
    trials = _Trials(caller, keep, _SHRINK_VALUE_CALLS)
    while (found := trials.first_kept(best.case.simpler_values())) is not None:
        best = found
    return best


def _first_difference(expected, received):
    """The first index (in row-major order) where the two arrays differ, over their overlap;
    if the overlap agrees, the first cell of ``expected`` outside ``received``."""
    expected, received = np.asarray(expected), np.asarray(received)
    if expected.ndim != received.ndim:
        return None
    overlap = tuple(slice(0, min(a, b)) for a, b in zip(expected.shape, received.shape))
    differs = ~np.isclose(expected[overlap], received[overlap], rtol=1e-6, atol=1e-6)
    if differs.any():
        return tuple(int(i) for i in np.argwhere(differs)[0])
    outside = np.ones(expected.shape, bool)
    outside[overlap] = False
    return tuple(int(i) for i in np.argwhere(outside)[0]) if outside.any() else None


def _failure(outcome) -> Failure:
    case = outcome.case
    kind = outcome.kind
    cell = step = None
    if kind == "wrong":
        kind = ("wrong shape" if np.shape(outcome.received) != np.shape(case.expected)
                else "wrong values")
        if np.ndim(case.expected) > 0:
            cell = _first_difference(case.expected, outcome.received)
            step = _conv_step(case, cell)
    return Failure(kind=kind, case=case, expected=case.expected, received=outcome.received,
                   error=outcome.error, where=outcome.where, printed=outcome.printed,
                   cell=cell, step=step)


def _conv_step(case, cell):
    """The core's step for output ``cell`` (in the caller's layout) of a convolution case."""
    if cell is None or case.operation != "conv2d":
        return None
    if len(cell) == 2:
        batch, filt, (row, col) = 0, 0, cell
    elif case.layout == "torch":
        batch, filt, row, col = cell
    else:
        batch, row, col, filt = cell
    trace = trace_conv2d(case.x, case.kernel, case.bias, strides=case.strides,
                         padding=case.padding, dilation_rate=case.dilation, groups=case.groups)
    try:
        return trace.step_at(row, col, filt, batch)
    except KeyError:
        return None

