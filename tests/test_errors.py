"""Errors survive pickle (Dask sends them between processes) with their message and context."""

from __future__ import annotations

import inspect
import pickle

import pytest

from unspin import errors

SAMPLES = {
    errors.BodyTooLarge: lambda: errors.BodyTooLarge(2_000_000),
    errors.AnalysisTimeout: lambda: errors.AnalysisTimeout(60.0),
    errors.UnsupportedLanguageError: lambda: errors.UnsupportedLanguageError("this text looks German (de)", force="en", code="de"),
}
CLASSES = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.UnspinError)]


@pytest.mark.parametrize("cls", CLASSES, ids=[c.__name__ for c in CLASSES])
def test_every_error_survives_pickle(cls):
    error = SAMPLES[cls]() if cls in SAMPLES else cls("the input is empty", source="a.txt")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls and str(back) == str(error) and back.args == error.args
    assert back.context == error.context and back.__dict__ == error.__dict__
    assert (back.exit_code, back.http_status, back.headers) == (error.exit_code, error.http_status, error.headers)
    # A door's rewording survives too (it copies the error without running its constructor).
    reworded = pickle.loads(pickle.dumps(error.reworded("`a`: " + error.message)))
    assert type(reworded) is cls and str(reworded).startswith("`a`: ")


def test_the_constructor_arguments_come_back_as_context():
    back = pickle.loads(pickle.dumps(errors.BodyTooLarge(1000)))
    assert back.context == {"limit": 1000} and "1,000 bytes" in str(back)
    timeout = pickle.loads(pickle.dumps(errors.AnalysisTimeout(2.5)))
    assert timeout.context == {"seconds": 2.5} and "2.5 s" in timeout.message
