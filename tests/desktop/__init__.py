"""Tests of the desktop client: view-models without Qt, widgets with pytest-qt against a real backend."""
