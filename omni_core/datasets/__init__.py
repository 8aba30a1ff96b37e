"""Dataset names, classes and the labels an import starts with, shared by the backend and remote imports."""
