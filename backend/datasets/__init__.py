"""Datasets: images stored content-addressed, a locked class table, per-image boxes with revisions.

Entry points: ``service.DatasetService`` (what the RPCs call) and ``jobs`` (import/export job kinds).
"""
