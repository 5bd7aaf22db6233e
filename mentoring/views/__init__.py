"""Views of the mentoring app, one module per part: thin, policy → selector/service → render."""
