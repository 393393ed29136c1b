"""Hypothesis strategies shared by the property tests (every padding form, ints or pairs)."""
from hypothesis import strategies as st


def int_or_pair(lo: int, hi: int):
    """An int in ``[lo, hi]`` or a pair of them: how strides and dilation are given."""
    one = st.integers(lo, hi)
    return st.one_of(one, st.tuples(one, one))


def paddings(words=("valid", "same", "full"), max_pad: int = 3):
    """Every form ``padding`` takes: a word, an int, ``(ph, pw)`` or
    ``((top, bottom), (left, right))`` with amounts up to ``max_pad``."""
    small = st.integers(0, max_pad)
    return st.one_of(
        st.sampled_from(list(words)),
        small,
        st.tuples(small, small),
        st.tuples(st.tuples(small, small), st.tuples(small, small)),
    )
