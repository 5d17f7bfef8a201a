"""The one exception parsers raise for a document they cannot read."""


class ParseError(ValueError):
    """A document (or one notice inside it) that cannot be parsed; the message says why."""
