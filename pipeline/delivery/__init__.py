"""Stage 5, delivery: the digest as an e-mail, its transports (SMTP, .eml files), and the archive's index."""
