"""The factories live in tests/factories.py, shared with every folder."""
