"""Training reports: JSON is the source of truth; text and HTML are renderings of it."""
