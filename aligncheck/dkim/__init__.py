"""DKIM keys (RFC 6376, RFC 8463, RFC 8301) of the signing domain: pure record parsing, keys
read with `cryptography`; imported only when the DKIM rules run."""
