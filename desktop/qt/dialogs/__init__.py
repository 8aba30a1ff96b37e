"""Dialogs opened from the views."""
