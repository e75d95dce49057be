"""The laws of the condition vocabulary, as the spec states them ("Unknown answers")."""

from hypothesis import given
from hypothesis import strategies as st

from triage.core.logic import CONNECTIVES, NOT_GIVEN, NOT_RECORDED, UNSURE, compare, negate

outcomes = st.sampled_from([True, False, UNSURE, NOT_RECORDED])


def unknown_kind(parts):
    # "unsure wins over not recorded: any/all of an unsure and a not-recorded part is unsure"
    return UNSURE if UNSURE in parts else NOT_RECORDED


@given(st.lists(outcomes, min_size=1, max_size=6))
def test_any_is_kleene_or_and_unsure_wins_in_any_order(parts):
    result = CONNECTIVES["any"].combine(iter(parts))
    if any(p is True for p in parts):
        assert result is True
    elif all(p is False for p in parts):
        assert result is False
    else:
        assert result is unknown_kind(parts)


@given(st.lists(outcomes, min_size=1, max_size=6))
def test_all_is_kleene_and_and_unsure_wins_in_any_order(parts):
    result = CONNECTIVES["all"].combine(iter(parts))
    if any(p is False for p in parts):
        assert result is False
    elif all(p is True for p in parts):
        assert result is True
    else:
        assert result is unknown_kind(parts)


@given(outcomes)
def test_not_swaps_true_and_false_and_keeps_the_kind_of_unknown(o):
    assert negate(o) is ({True: False, False: True}.get(o, o) if isinstance(o, bool) else o)


def test_comparisons_on_blanks():
    assert compare("at_least", NOT_GIVEN, 38.0) is False  # an optional number left blank is not given
    assert compare("given", NOT_GIVEN, False) is True and compare("given", 40.0, True) is True
    assert compare("at_least", UNSURE, 38.0) is UNSURE  # a required number answered unsure stays unsure
    assert compare("is", NOT_RECORDED, True) is NOT_RECORDED
    assert compare("below", 17.9, 18.0) is True and compare("below", 18.0, 18.0) is False
