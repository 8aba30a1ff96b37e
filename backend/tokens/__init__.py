"""Named bearer tokens with roles: who may call a backend, and what they may do."""
