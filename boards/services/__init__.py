"""Boards: services, one module per board."""
