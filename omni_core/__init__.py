"""The torch-free client core: what the backend, the desktop and the CLI all need, importing none of them."""
