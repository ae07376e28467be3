"""Exception types: each is raised with a message that names the problem and the fix."""


class DiffusionNAGError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidArchitectureError(DiffusionNAGError, ValueError):
    """An architecture (string, index, tuple or matrix) is not in the search space."""


class UnknownNameError(DiffusionNAGError, KeyError):
    """A name (search space, dataset, property, preset) is not registered."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class DataNotFoundError(DiffusionNAGError, FileNotFoundError):
    """A benchmark data file is missing."""


class DataFormatError(DiffusionNAGError, ValueError):
    """A benchmark data file exists but is not in a format we read."""


class CheckpointError(DiffusionNAGError, ValueError):
    """A checkpoint is missing, of another format version, or made for another search space."""


class ConfigError(DiffusionNAGError, ValueError):
    """A configuration file is missing or malformed."""


class SpaceTooLargeError(ConfigError):
    """An operation needs every architecture of a space that is too large to list (MBv3)."""


class MissingDependencyError(DiffusionNAGError, ImportError):
    """An input needs an optional dependency that is not installed (the message names the extra)."""
