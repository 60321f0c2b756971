"""PDF reports and payout sheets (WeasyPrint adapter): rendered from immutable inspection snapshots."""
