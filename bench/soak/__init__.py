"""Soak test: simulated customers and staff work whole cases through Kesu for minutes on end.

    .venv/bin/python -m bench.soak [--customers 200] [--staff 5] [--minutes 10] [--rate R]

The unchanged run_bot.py runs as a child process against an in-process fake Bot API server,
with a forum handler group of staff. Customers file complaints through the whole intake
dialog, ask for /status, write about their open cases, accept or reject proposals and rate
the outcome; staff claim new cases and propose solutions from the cards. Every message the
bot must send is counted, so that lost and duplicated messages show up exactly.
See bench/README.md for the workload and what each figure means.
"""
