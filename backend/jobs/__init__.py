"""Jobs: the persistent store, the worker processes that run them, and the scheduler between."""
