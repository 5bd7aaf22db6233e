"""Reads for the mentoring screens, one module per part of the speed-date and the meeting.

Each selector is shaped for one page and runs a number of queries that does not grow with its rows.
"""
