"""Expected failures: a one-line message plus a hint, shown without a traceback."""


class TecError(Exception):
    """An expected failure the user can fix; `exit_code` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(TecError):
    """Bad input from the command line or an API caller."""

    exit_code = 2


class ConfigError(TecError):
    """A data or config file that cannot be used as it is."""

    exit_code = 2
