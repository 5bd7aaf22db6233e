"""Boards: views, one module per board."""
