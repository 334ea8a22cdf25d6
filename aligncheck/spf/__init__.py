"""SPF (RFC 7208) for the MAIL FROM domain: record grammar and macros, `check_host()`, and the
static lint of a record tree. Pure code over answers the DNS layer gathered; imported only
when SPF is checked."""
