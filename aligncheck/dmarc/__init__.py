def dmarc_name(domain: str) -> str:
    """Where a domain's DMARC record stands."""
    return f"_dmarc.{domain}"
