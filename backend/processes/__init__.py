"""The kit every worker process is built from: ``spawn`` starts a child on a duplex pipe, ``messages`` holds what
travels on it, ``watchdog`` ends a child whose parent is gone, ``outcome`` words how a piece of work ended;
``stream_parent`` and ``stream_child`` are the two sides of a streaming worker (images in, results out)."""
