import numpy as np
import pytest

from pyrpudl.errors import InputError
from pyrpudl.r_convert import R_NA_INTEGER, as_index_range, as_labels, as_matrix


def test_as_matrix_keeps_a_column_major_read_only_view_without_copying():
    data = np.asfortranarray(np.arange(6, dtype=np.float64).reshape(3, 2))
    data.flags.writeable = False  # as an R matrix arrives through reticulate
    matrix = as_matrix(data)
    assert np.shares_memory(matrix, data)
    assert matrix.flags.f_contiguous


@pytest.mark.parametrize(
    "bad, message",
    [(np.zeros(3), "must be a matrix"), (np.array([["a", "b"]]), "must be numeric")],
)
def test_as_matrix_rejects_what_is_not_a_numeric_matrix(bad, message):
    with pytest.raises(InputError, match=message):
        as_matrix(bad, "x")


def test_r_ranges_are_one_based_inclusive_and_become_slices():
    assert as_index_range([1, 12], 100) == slice(0, 12)
    assert as_index_range(np.array([5.0, 5.0]), 5) == slice(4, 5)


@pytest.mark.parametrize(
    "pair, message",
    [
        ([0, 3], "count from 1"),
        ([3, 2], "must not be less"),
        ([1, 11], "only 10 items"),
        ([1.5, 2], "whole numbers"),
        ([1], "two numbers"),
        ([1, float("nan")], "two numbers"),
    ],
)
def test_bad_r_ranges_are_explained_in_r_terms(pair, message):
    with pytest.raises(InputError, match=message):
        as_index_range(pair, 10, "range")


def test_factor_codes_keep_their_levels_and_round_trip():
    labels = as_labels({"codes": np.array([1, 0, 1], dtype=np.int32), "levels": ["cat", "dog"]})
    assert labels.levels == ("cat", "dog")
    assert labels.to_r()["levels"] == ["cat", "dog"]
    np.testing.assert_array_equal(labels.to_r()["codes"], [1, 0, 1])


def test_a_single_level_arrives_as_a_string_and_is_still_a_level():
    assert as_labels({"codes": np.array([0], dtype=np.int32), "levels": "only"}).levels == ("only",)


def test_integer_labels_have_no_levels_and_whole_doubles_are_accepted():
    assert as_labels(np.array([3, 1], dtype=np.int32)).levels is None
    np.testing.assert_array_equal(as_labels(np.array([2.0, 0.0])).codes, [2, 0])


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([1, R_NA_INTEGER], dtype=np.int32), "NA"),
        (np.array([0.5]), "whole numbers"),
        (np.array(["a"]), "integer class labels"),
        ({"codes": np.array([2], dtype=np.int32), "levels": ["a", "b"]}, "outside its 2 levels"),
    ],
)
def test_bad_labels_are_rejected_with_the_reason(bad, message):
    with pytest.raises(InputError, match=message):
        as_labels(bad, "y")
