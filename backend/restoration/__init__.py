"""Restoration: networks, training, export, evaluation."""
