"""Kesu in a browser without a token: the fake Bot API, the real bot process and a page showing
a customer's phone beside the staff group (python3 manage.py demo)."""
