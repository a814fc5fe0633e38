"""Exceptions with messages a user can act on. The CLI prints them as one line, exit code 2."""


class UnspinError(Exception):
    """Base class of every error unspin raises on purpose."""


class InputError(UnspinError):
    """The input cannot be analysed as given (empty, binary, not UTF-8, too large, missing)."""


class UnsupportedLanguageError(UnspinError):
    """No model for the text's language is installed."""


class ModelError(UnspinError):
    """A shipped model is missing or damaged."""
