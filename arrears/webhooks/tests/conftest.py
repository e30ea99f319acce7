"""A real HTTP endpoint on 127.0.0.1 that records what it receives, and a creditor's book to pay into."""

import datetime as dt
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from arrears.core.money import Money
from arrears.ledger.services import PaymentIn, post_payment
from arrears.webhooks import services
from arrears.webhooks.tasks import deliver_due


class Receiver:
    """What the endpoint answers (`status`, after `delay` seconds) and what it was sent."""

    def __init__(self):
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict] = []
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/arrears"

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                          "received_at": time.time()})
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    endpoint = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), endpoint.handler())
    server.daemon_threads = True
    server.block_on_close = False
    endpoint.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url():
    """A local URL where nothing listens: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


@pytest.fixture
def book(make_creditor, make_portfolio, make_account):
    creditor = make_creditor()
    account = make_account(make_portfolio(creditor), principal="1000.00")
    return creditor, account


@pytest.fixture
def subscribe(system):
    def make(creditor, url, event_types=("payment.posted",)):
        return services.create_subscription(actor=system, creditor=creditor, url=url, event_types=list(event_types))

    return make


@pytest.fixture
def pay(system, django_capture_on_commit_callbacks):
    """Post a payment through the ledger service and run what follows its commit (events, deliveries)."""
    counter = iter(range(1, 10_000))

    def make(account, amount="10.00"):
        payment = PaymentIn(account_id=account.pk, amount=Money.of(amount, account.currency), source="api",
                            external_id=f"pay-{next(counter)}", value_date=dt.date(2026, 11, 20))
        with django_capture_on_commit_callbacks(execute=True):
            return post_payment(actor=system, payment=payment)

    return make


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the minute sweep as if the clock read `now`."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return deliver_due(now)

    return run
