"""The debtor portal under the production web server: `arrears bench portal`.

In a scratch database: seed a book (default a million accounts), give a sample of debtors a portal login,
start gunicorn (the command `arrears serve` runs) on it, sign each debtor in over HTTP, then:

- load: `--clients` debtors at once, each loading their overview page (`GET /portal/`) again as soon as the
  last one arrived, for `--seconds` → requests/s and p50/p95 latency;
- baseline in the same run: one debtor loading the page one request after another → requests/s; these are
  each debtor's first view, rendered whole, so their median is also reported (`first_view_p50_ms`).

Every answer is checked to be the signed-in debtor's own page (their account reference is on it).
Run on PostgreSQL (`DATABASE_URL`) with Redis (`REDIS_URL`) for the production set-up.
"""

import argparse
import http.client
import re
import statistics
import sys
import threading
import time
from urllib.parse import urlencode

from bench._common import emit, scratch_database, stopwatch
from bench.api import _database_url, running_server

PASSWORD = "bench-portal-passphrase"  # noqa: S105 - a scratch database's logins


class Visitor:
    """One debtor's browser: a keep-alive connection and the cookies the portal set."""

    def __init__(self, base: str):
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Language": "en"}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.conn.host}:{self.conn.port}{path}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, data, headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def sign_in(self, username: str) -> None:
        _status, _location, page = self.request("GET", "/portal/sign-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, location, _ = self.request("POST", "/portal/sign-in/", {
            "csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        if status != 302 or location != "/portal/":
            raise SystemExit(f"sign-in of {username} failed: {status} {location}")


def _give_logins(count: int) -> list[tuple[str, str]]:
    """Logins for `count` debtors with open accounts, all with one password hashed once (Argon2 is slow on
    purpose; hashing it per debtor would only lengthen the set-up). Returns (username, a reference)."""
    from django.contrib.auth.hashers import make_password

    from arrears.portal.models import PortalLogin
    from arrears.portfolio.models import Account, AccountDebtor

    links = list(AccountDebtor.objects.filter(role="primary", account__status__in=Account.OPEN_STATUSES)
                 .order_by("account_id").values_list("debtor_id", "account__creditor_reference")[:count * 3])
    chosen, seen = [], set()
    for debtor_id, reference in links:
        if debtor_id not in seen:
            seen.add(debtor_id)
            chosen.append((debtor_id, reference))
        if len(chosen) == count:
            break
    hashed = make_password(PASSWORD)
    PortalLogin.objects.bulk_create([PortalLogin(debtor_id=d, username=f"bench-{d}", password=hashed)
                                     for d, _ in chosen])
    return [(f"bench-{d}", reference) for d, reference in chosen]


def main(argv):
    parser = argparse.ArgumentParser(prog="arrears bench portal")
    parser.add_argument("--accounts", type=int, default=1_000_000, help="book size seeded first")
    parser.add_argument("--debtors", type=int, default=200, help="debtors signed in")
    parser.add_argument("--clients", type=int, default=8, help="debtors loading pages at once")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the load")
    parser.add_argument("--baseline", type=int, default=200, help="pages loaded one after another")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)

    import logging

    from django.db import connection, connections

    from arrears.portfolio.seed import seed_book

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with scratch_database():
        print(f"seeding {args.accounts} accounts ...", file=sys.stderr, flush=True)
        seed_book(accounts=args.accounts, seed=args.seed)
        logins = _give_logins(args.debtors)
        database_url = _database_url(connection.settings_dict)
        vendor = connection.vendor
        connections.close_all()

        with running_server(database_url, args.workers) as base:
            print(f"signing in {len(logins)} debtors ...", file=sys.stderr, flush=True)
            visitors = []
            for username, reference in logins:
                visitor = Visitor(base)
                visitor.sign_in(username)
                visitors.append((visitor, reference))

            def load(visitor, reference) -> float:
                started = time.perf_counter()
                status, _location, page = visitor.request("GET", "/portal/")
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200 or reference not in page:
                    raise SystemExit(f"overview answered {status} without the debtor's account {reference}")
                return elapsed

            for visitor, reference in visitors[:20]:  # warm up: connections, prepared statements
                load(visitor, reference)
            # The baseline: one request after another. Every debtor past the warm-up shows here for the first
            # time, so these pages are rendered whole (the overview's cache holds nothing for them yet).
            first_views = []
            with stopwatch() as one_by_one:
                for n in range(args.baseline):
                    first_views.append(load(*visitors[n % len(visitors)]))

            print(f"load: {args.clients} debtors at once for {args.seconds:g} s ...", file=sys.stderr, flush=True)
            latencies, lock = [], threading.Lock()
            deadline = time.perf_counter() + args.seconds

            def client(index: int):
                mine = visitors[index::args.clients]
                n = 0
                while time.perf_counter() < deadline:
                    elapsed = load(*mine[n % len(mine)])
                    n += 1
                    with lock:
                        latencies.append(elapsed)

            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            with stopwatch() as loaded:
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()

    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    rps = len(latencies) / loaded["seconds"]
    baseline_rps = args.baseline / one_by_one["seconds"]
    emit({
        "bench": "portal", "accounts": args.accounts, "rps": round(rps, 1),
        "p50_ms": round(quantiles[49], 1), "p95_ms": round(quantiles[94], 1),
        "baseline_one_by_one_rps": round(baseline_rps, 1), "concurrency_gain": round(rps / baseline_rps, 2),
        "first_view_p50_ms": round(statistics.median(first_views), 1),
        "clients": args.clients, "debtors": len(visitors), "requests": len(latencies), "database": vendor,
    })
