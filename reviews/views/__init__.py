"""The review pages: the entry grid (grid.py) and everything around it (cycles.py)."""
