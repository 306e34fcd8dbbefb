"""Password hashing whose cost is a setting (PASSWORD_PBKDF2_ITERATIONS), not Django's release default.

Django 5.2 hashes with 1,000,000 PBKDF2-SHA256 iterations: about 0.45 s of CPU per sign-in on our
2-core machine, most of the leader's sign-in time. OWASP's Password Storage Cheat Sheet asks for at
least 600,000 for PBKDF2-HMAC-SHA256. Same algorithm name, so every stored hash still verifies; a hash
made with another count is re-made with this one at the next sign-in (Django's ``must_update``).
"""

from django.conf import settings
from django.contrib.auth import hashers


class PBKDF2PasswordHasher(hashers.PBKDF2PasswordHasher):
    @property
    def iterations(self):
        return settings.PASSWORD_PBKDF2_ITERATIONS
