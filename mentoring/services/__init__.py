"""Writes for the speed-date and the department meeting: one function per use case, transactional.

Services never see the request; they re-check the policy they depend on, validate
(ValidationError goes back to the form) and enqueue follow-up work after commit.
"""
