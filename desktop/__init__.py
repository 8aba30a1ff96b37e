"""The Omni Studio desktop client. ``desktop.client`` and ``desktop.models`` are Qt-free;
only ``desktop.qt`` imports PySide6 and pyqtgraph. Nothing here imports ``backend`` or torch."""
