"""Qt-free view-models: the state the desktop's views draw, with plain-Python change events.

Nothing here imports Qt; tests drive these classes directly.
"""

from desktop.models.connection_model import ConnectionModel, ConnectionState, SystemSummary
from desktop.models.events import Event
from desktop.models.form_errors import FormInvalid
from desktop.models.jobs_model import JobsModel
from desktop.models.synth_form import SynthFormModel

__all__ = [
    "ConnectionModel",
    "ConnectionState",
    "Event",
    "FormInvalid",
    "JobsModel",
    "SynthFormModel",
    "SystemSummary",
]
