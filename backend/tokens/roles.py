"""The roles a token carries, least first: each may do all that the ones before it may."""

from __future__ import annotations

from enum import IntEnum

from omni_core.errors import InvalidArgument, shown


class Role(IntEnum):
    """Numbered as ``omni.v1.Role`` (0 is "unspecified" there), so a role converts by value."""

    ANNOTATOR = 1  # datasets and images (read), annotations, stats, Suggest, system info
    OPERATOR = 2  # everything but token administration
    ADMIN = 3  # everything

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str, *, field: str = "role") -> Role:
        """``"operator"`` -> ``Role.OPERATOR``; anything else is InvalidArgument naming ``field``."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            choices = ", ".join(role.label for role in cls)
            raise InvalidArgument(field, f"{shown(value)} is not a role; choose {choices}") from None


#: the role of the least-trusted caller; a token created without a role gets it
LEAST = Role.ANNOTATOR
