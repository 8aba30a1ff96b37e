"""Moving the workspace's artifacts to and from its remote: status, push and pull (as jobs), automatic push."""
