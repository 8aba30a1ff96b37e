"""Callbacks of the restoration trainer: the named points (``base``) and what the job system registers at them."""

from backend.restoration.callbacks.base import POINTS, Callbacks, Hook, Point
from backend.restoration.callbacks.best import BestWeights
from backend.restoration.callbacks.budget import TimeBudget
from backend.restoration.callbacks.checkpointing import Checkpoints
from backend.restoration.callbacks.reporting import Reporting

__all__ = ["POINTS", "BestWeights", "Callbacks", "Checkpoints", "Hook", "Point", "Reporting", "TimeBudget"]
