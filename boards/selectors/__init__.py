"""Boards: selectors, one module per board."""
