"""Batch detection on the client side: the plan and resume rule, the outputs (drawn images, labels, records,
summaries) and the boxes, shared by the backend's job and a remote stream."""
