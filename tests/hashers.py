"""A password hasher for the tests: Argon2id as the service uses it, at the lowest cost
argon2-cffi allows.

The service hashes with Django's ``Argon2PasswordHasher`` (100 MiB, two passes, eight lanes:
a quarter of a second a password on a busy test machine), and the tests create and sign in
hundreds of staff. Django's own advice for test suites is a cheaper hasher; this one keeps
the algorithm and the stored format, so every test still reads and checks real Argon2id
hashes. ``tests/web/test_security.py`` checks that the service itself hashes at full cost."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with one pass over 8 KiB in one lane (argon2's minimum)."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1
