"""Batch restoration of folders: the ``restore_batch`` job (the backend reads IN and writes OUT) and the
``Batch`` stream (a client sends the images). Shared by both: the folder walk and plan, the atomic writes
and resume rule, the summary — light modules a client can import; the pipeline, the codec and the engine
set-up run in worker processes only."""
