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


def test_each_door_words_a_setting_from_its_own_table():
    """An error says what is wrong and which setting it is about; each door adds what its own
    user can change: the Python API's arguments, the CLI's flags, the web API's fields."""
    from unspin.choices import WORDS as CLI
    from unspin.web.worker import WORDS as WEB

    long = errors.InputError("the input has 12 characters, more than the limit of 10; split it into articles", setting="max_chars", limit=10)
    assert str(long).endswith("split it into articles or raise the limit (max_chars=)") and long.message == str(long)
    assert long.worded(CLI).endswith("or raise the limit (--max-chars)")
    assert long.worded(WEB).endswith("or send one article at a time (the server's limit)")
    assert long.bare.endswith("split it into articles") and long.context == {"setting": "max_chars", "limit": 10}
    german = errors.UnsupportedLanguageError("this text looks German (de)", force="en")
    assert str(german) == 'this text looks German (de) - ask for language="en" to analyse it anyway'
    assert german.worded(CLI).endswith("ask for --language en to analyse it anyway")
    assert german.worded(WEB).endswith('ask for "language": "en" to analyse it anyway')
    # A door's prefix (which of its texts) keeps the setting, so the advice still follows.
    prefixed = german.reworded(f"text A (a.txt): {german.bare}")
    assert prefixed.worded(CLI) == "text A (a.txt): this text looks German (de) - ask for --language en to analyse it anyway"
    assert errors.UnsupportedLanguageError("no model for this").worded(CLI) == "no model for this"  # nothing to ask for
    # A pipeline loaded for one language given the other's text: that language's reader first.
    other = errors.UnsupportedLanguageError("this text looks Russian (ru) and this pipeline reads English (en)", force="en", other="ru",
                                            setting="pipeline_language")
    assert 'unspin.load("ru"), or unspin.analyze(text)' in str(other) and str(other).endswith('language="en" to analyse it with this one anyway')
    assert other.worded(CLI).endswith(": ask for --language ru or auto, or --language en to analyse it with this model anyway")
    # A caller that knows the limit is fixed drops the setting: no door offers to raise it.
    fixed = long.reworded(f"{long.bare} or split the file", setting=None)
    assert fixed.worded(CLI) == fixed.worded(WEB) == str(fixed) and "setting" not in fixed.context


def test_every_setting_the_core_names_has_words_in_each_door():
    import re
    from pathlib import Path

    from unspin.choices import WORDS as CLI
    from unspin.web.worker import WORDS as WEB

    package = Path(errors.__file__).parent
    named = {m for p in package.rglob("*.py") for m in re.findall(r'setting="(\w+)"', p.read_text(encoding="utf-8"))}
    named |= {"language"}  # UnsupportedLanguageError names it itself
    # The CLI words every setting the Python API words, and neither words a setting no error
    # names (a setting whose bare message is complete, "sensitivity", needs no words).
    assert set(CLI) == set(errors.WORDS) and set(errors.WORDS) <= named
    assert {"max_chars", "language"} <= set(WEB) <= named  # what a web client can meet (no Dask, no label import)


def test_an_unknown_language_a_missing_model_folder_and_missing_evidence_name_the_setting(tmp_path):
    from unspin.choices import WORDS as CLI
    from unspin.pipeline import load
    from unspin.runtime import model_dir

    with pytest.raises(errors.UnsupportedLanguageError) as lang:
        load("xx")
    assert lang.value.worded(CLI).startswith("--language xx: no unspin model for this language; available: en, ru")
    assert str(lang.value).startswith("language='xx': ")
    with pytest.raises(errors.ModelError) as folder:
        model_dir(tmp_path / "nothing")
    assert folder.value.worded(CLI).endswith("give a folder that unspin train wrote (--model)") and str(folder.value).endswith("(model=)")
    from unspin.article.evidence import build_index

    with pytest.raises(errors.InputError) as ev:
        build_index([tmp_path / "missing.txt"])
    # Said as the argument's name, not "(evidence=)", which reads as if an empty value had been given.
    assert ev.value.worded(CLI).endswith("(--evidence)") and str(ev.value).endswith("missing.txt (the evidence argument)")
    assert "evidence=)" not in str(ev.value)


@pytest.mark.parametrize("kwargs, says", [
    ({"languag": "ru"}, "did you mean 'language'"), ({"fsat": True}, "did you mean 'fast'"), ({"max_char": 5}, "did you mean 'max_chars'"),
    ({"fast": "yes"}, "fast must be True or False"), ({"max_chars": -1}, "max_chars must be a positive int"),
    # A traceback from deep inside ("object of type 'int' has no len()") before; now the value.
    ({"evidence": 5}, "evidence must be a path, a text, or a list of paths and texts .*, not 5$"),
    ({"evidence": ["notes.txt", 3]}, r"not \['notes.txt', 3\]"),
])
def test_analyze_refuses_misspelt_or_mistyped_arguments_before_any_work(kwargs, says):
    import unspin

    with pytest.raises(TypeError, match=says):
        unspin.analyze("The council met on Monday.", **kwargs)
