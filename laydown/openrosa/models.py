from django.db import models


class DigestNonce(models.Model):
    """The highest nonce count (`nc`) a Digest nonce was accepted with, so that a captured
    request cannot be sent again (RFC 7616, 3.4). One row per nonce in use, in the database
    that every worker process shares; rows of nonces past their lifetime are purged."""

    key = models.CharField(max_length=32, primary_key=True)  # the nonce's own HMAC
    count = models.PositiveBigIntegerField()  # nc: eight hexadecimal digits
    issued_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}:{self.count}"
