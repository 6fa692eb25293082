"""Helpers of bench_peer.py (Khedmat against django-helpdesk 2.6.1); peer_site/ and peer_seed.py
run in the peer's own virtualenv."""
