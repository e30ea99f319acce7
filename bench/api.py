"""The creditor API under the production web server: `arrears bench api`.

In a scratch database: seed a book, give one creditor an API key, start gunicorn (the command `arrears serve`
runs) and a task worker against that database, then over HTTP on loopback:

- batch: `POST /api/v1/payments/batch` with 1,000 payments a call from two clients at once → payments/s;
- baseline in the same run: single payments posted one after another by one client → payments/s;
- single: `POST /api/v1/payments` at a steady 50 requests/s (open loop: latency is taken from the moment
  each request was due, so a stall is not hidden by the client waiting for it) → p50 and p99 in ms;
- visibility: after a payment's call returns, `GET /api/v1/accounts/{ref}` shows the balance and DPD the
  payment's answer reported.

Run on PostgreSQL (`DATABASE_URL`) with Redis (`REDIS_URL`) for the production set-up.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from bench._common import emit, scratch_database, stopwatch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(settings_dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    at = f"{user}{password}@" if user else ""
    host = f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
    return f"postgres://{at}{host}/{settings_dict['NAME']}"


@contextmanager
def running_server(database_url: str, workers: int):
    """gunicorn and a task worker on the scratch database, stopped afterwards; static files collected first,
    as `arrears serve` does."""
    import httpx
    from django.core.management import call_command

    from arrears.cli import _gunicorn_command

    call_command("collectstatic", interactive=False, verbosity=0)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("ARREARS_TESTING", None)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    children = [subprocess.Popen(_gunicorn_command(f"127.0.0.1:{port}", workers), **quiet),
                subprocess.Popen([sys.executable, "-m", "arrears.cli", "worker"], **quiet)]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or any(c.poll() is not None for c in children):
                raise SystemExit("the web server did not start")
            time.sleep(0.3)
        yield base
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


class PaymentMaker:
    """Small part-payments over the creditor's open accounts, each with a fresh payment id."""

    def __init__(self, accounts, seed: int):
        self.accounts = accounts
        self.rng = random.Random(seed)
        self.n = 0
        self.lock = threading.Lock()

    def __call__(self, value_date: str) -> dict:
        with self.lock:
            self.n += 1
            reference, currency = self.accounts[self.rng.randrange(len(self.accounts))]
            cents = self.rng.randrange(100, 5000)
            number = self.n
        return {"account_reference": reference, "payment_id": f"bench-{number}",
                "amount": f"{cents // 100}.{cents % 100:02d}", "currency": currency, "value_date": value_date,
                "method": "transfer"}


class LeanClient:
    """POST JSON over one keep-alive connection per thread (http.client): the load generator shares the
    machine's two cores with the server, so it should spend as little of them as it can."""

    def __init__(self, base: str, headers: dict):
        host, port = base.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.headers = {**headers, "Content-Type": "application/json"}
        self.local = threading.local()

    def __call__(self, path: str, body: dict) -> tuple[int, dict]:
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(*self.address, timeout=60)
            try:
                conn.request("POST", path, data, self.headers)
                response = conn.getresponse()
                return response.status, json.loads(response.read())
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _check(response, expected: int):
    if response.status_code != expected:
        raise SystemExit(f"unexpected answer {response.status_code}: {response.text[:500]}")
    return response.json()


def main(argv):
    parser = argparse.ArgumentParser(prog="arrears bench api")
    parser.add_argument("--accounts", type=int, default=20_000, help="book size seeded first")
    parser.add_argument("--batches", type=int, default=30, help="batch calls of --batch-size payments")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2, help="batch clients calling at once")
    parser.add_argument("--single", type=int, default=1500, help="single payments sent at --rate")
    parser.add_argument("--rate", type=float, default=50.0, help="single payments per second")
    parser.add_argument("--baseline", type=int, default=300, help="single payments posted one after another")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    import logging

    import httpx
    from django.db import connection, connections
    from django.db.models import Count, Q

    from arrears.api.models import Scope
    from arrears.api.services import create_api_key
    from arrears.core.actors import SystemActor
    from arrears.core.clock import business_date
    from arrears.portfolio.models import Account, Creditor
    from arrears.portfolio.seed import seed_book

    logging.getLogger("httpx").setLevel(logging.WARNING)
    actor = SystemActor("bench")
    with scratch_database():
        print(f"seeding {args.accounts} accounts ...", file=sys.stderr, flush=True)
        seed_book(accounts=args.accounts, seed=args.seed)
        creditor = (Creditor.objects.annotate(open=Count("portfolios__accounts", filter=Q(
            portfolios__accounts__status__in=Account.OPEN_STATUSES))).order_by("-open").first())
        accounts = list(Account.objects.filter(portfolio__creditor=creditor, status__in=Account.OPEN_STATUSES)
                        .values_list("creditor_reference", "currency"))
        _, secret = create_api_key(actor=actor, creditor=creditor, name="bench",
                                   scopes=[Scope.PAYMENTS_WRITE, Scope.ACCOUNTS_READ], rate_limit_per_minute=100_000)
        value_date = business_date().isoformat()
        database_url = _database_url(connection.settings_dict)
        vendor = connection.vendor
        connections.close_all()
        make = PaymentMaker(accounts, args.seed)
        headers = {"Authorization": f"Bearer {secret}"}

        with running_server(database_url, args.workers) as base, \
                httpx.Client(base_url=base, headers=headers, timeout=60,
                             limits=httpx.Limits(max_connections=64)) as client:
            print(f"{len(accounts)} accounts of {creditor.code}; server up; warming up ...", file=sys.stderr)
            for _ in range(20):
                _check(client.post("/api/v1/payments", json=make(value_date)), 201)

            with stopwatch() as one_by_one:
                for _ in range(args.baseline):
                    _check(client.post("/api/v1/payments", json=make(value_date)), 201)

            print(f"batch: {args.batches} calls of {args.batch_size} from {args.clients} clients ...",
                  file=sys.stderr, flush=True)

            def batch(_):
                body = {"payments": [make(value_date) for _ in range(args.batch_size)]}
                results = _check(client.post("/api/v1/payments/batch", json=body), 200)["results"]
                assert all(r["created"] for r in results), "a fresh payment was not posted"

            with ThreadPoolExecutor(args.clients) as pool, stopwatch() as batches:
                list(pool.map(batch, range(args.batches)))

            print(f"single: {args.single} payments at {args.rate:g}/s ...", file=sys.stderr, flush=True)
            latencies = []
            interval = 1 / args.rate
            started = time.perf_counter() + 0.1

            post = LeanClient(base, headers)

            def single(n):
                due = started + n * interval
                time.sleep(max(0.0, due - time.perf_counter()))
                status, answer = post("/api/v1/payments", make(value_date))
                latencies.append((time.perf_counter() - due) * 1000)
                if status != 201:
                    raise SystemExit(f"unexpected answer {status}: {answer}")
                return answer

            with ThreadPoolExecutor(32) as pool:
                answers = list(pool.map(single, range(args.single)))
            sent_for = time.perf_counter() - started

            mismatches = 0
            for answer in answers[:: max(1, len(answers) // 100)]:
                state = answer["account"]
                seen = _check(client.get(f"/api/v1/accounts/{answer['payment']['account_reference']}"), 200)
                later = [a for a in answers if a["payment"]["account_reference"]
                         == answer["payment"]["account_reference"] and a is not answer]
                if not later and (seen["balance"] != state["balance"] or seen["dpd"] != state["dpd"]):
                    mismatches += 1

    latencies.sort()
    quantile = statistics.quantiles(latencies, n=100, method="inclusive")
    posted = args.batches * args.batch_size
    figures = {
        "bench": "api",
        "database": vendor,
        "batch_payments_per_s": round(posted / batches["seconds"]),
        "single_p50_ms": round(quantile[49], 1),
        "single_p99_ms": round(quantile[98], 1),
        "single_rate_achieved": round(args.single / sent_for, 1),
        "baseline_one_by_one_per_s": round(args.baseline / one_by_one["seconds"], 1),
        "batch_speedup": round(posted / batches["seconds"] / (args.baseline / one_by_one["seconds"]), 1),
        "visibility_mismatches": mismatches,
        "accounts": args.accounts,
        "payments": posted + args.single + args.baseline,
    }
    emit(figures)
    if mismatches:
        sys.exit(1)
