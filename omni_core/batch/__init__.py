"""A folder of images restored (or inspected) as a batch: walk, plan, resume, outputs, summary, remote stream."""
