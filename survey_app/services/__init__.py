"""Services change data and flush; the request (or CLI command) commits."""
