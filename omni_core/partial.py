"""The suffix of a file still being written (temp file + rename): walks and listings skip such files, and a
cleanup removes the ones an interrupted run left."""

TEMP_SUFFIX = ".omni-partial"
