"""The `arrears` command: demo, serve, worker, seed, import, apikey, bench, manage."""

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")
    import django

    django.setup()


def cmd_manage(args):
    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")
    execute_from_command_line(["arrears manage", *args.rest])


def cmd_seed(args):
    _django()
    from arrears.portfolio.seed import seed_book

    result = seed_book(accounts=args.accounts, seed=args.seed, progress=not args.quiet)
    print(f"seeded {result.accounts} accounts, {result.debtors} debtors, {result.payments} payments "
          f"in {result.seconds:.1f} s")


def _gunicorn_command(bind, workers):
    return [
        sys.executable, "-m", "gunicorn", "arrears.wsgi:application", "--bind", bind, "--workers", str(workers),
        "--threads", os.getenv("WEB_THREADS", "4"), "--access-logfile", "-", "--graceful-timeout", "10",
    ]


def cmd_serve(args):
    _django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    os.execv(sys.executable, _gunicorn_command(args.bind, args.workers))


def cmd_worker(args):
    _django()
    from django.core.management import call_command

    call_command("run_huey", workers=args.threads, worker_type="thread")


def cmd_demo(args):
    _django()
    from django.core.management import call_command

    from arrears.core.demo import ensure_demo_users
    from arrears.portal.demo import ensure_demo_debtors
    from arrears.portfolio.models import Account
    from arrears.portfolio.seed import seed_book

    call_command("migrate", interactive=False, verbosity=0)
    if not Account.objects.exists():
        print(f"Seeding a demo book of {args.accounts} accounts ...", flush=True)
        seed_book(accounts=args.accounts, seed=args.seed, progress=False)
    logins = ensure_demo_users()
    debtors = ensure_demo_debtors()
    call_command("collectstatic", interactive=False, verbosity=0)

    children = [
        subprocess.Popen(_gunicorn_command(args.bind, args.workers)),
        subprocess.Popen([sys.executable, "-m", "arrears.cli", "worker"]),
    ]
    time.sleep(1.5)
    host, _, port = args.bind.partition(":")
    print(f"\narrears is running at http://{host}:{port}/ (back office: http://{host}:{port}/admin/)")
    print("Demo logins (user / password / role):")
    for username, password, role in logins:
        print(f"  {username:<16} {password:<22} {role}")
    print(f"Debtor portal: http://{host}:{port}/portal/ (user / password / country: what they have going on;"
          " a first visit takes the reference and date of birth)")
    for username, password, country, reference, born, story in debtors:
        print(f"  {username:<16} {password:<22} {country}: {story} (reference {reference}, born {born})")
    print("Press Ctrl-C to stop.\n", flush=True)

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    print("A demo process stopped; shutting down.", file=sys.stderr)
    stop()


def cmd_import(args):
    """`arrears import placements|payments FILE ...` (file imports) or `arrears import statement FILE ...`."""
    _django()
    if args.kind == "statement":
        from arrears.payments.cli import main as run
    else:
        from arrears.imports.cli import main as run
    sys.exit(run([args.kind, *args.rest]))


def cmd_apikey(args):
    _django()
    from arrears.api.cli import main as run

    sys.exit(run(args.rest))


def cmd_bench(args):
    bench_dir = PROJECT_ROOT / "bench"
    if args.list or not args.name:
        names = sorted(p.stem for p in bench_dir.glob("*.py") if not p.stem.startswith("_"))
        print("benchmarks:", ", ".join(names))
        return
    path = bench_dir / f"{args.name}.py"
    if not path.exists():
        sys.exit(f"no benchmark named {args.name!r} in bench/")
    _django()
    if str(PROJECT_ROOT) not in sys.path:  # scenarios share bench/_common.py
        sys.path.insert(0, str(PROJECT_ROOT))
    spec = importlib.util.spec_from_file_location(f"bench_{args.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(args.rest)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="arrears", description="arrears collections platform")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="migrate, seed a demo book, serve the web app with a worker")
    p.add_argument("--accounts", type=int, default=int(os.getenv("DEMO_ACCOUNTS", "2000")))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bind", default=os.getenv("BIND", "127.0.0.1:8000"))
    p.add_argument("--workers", type=int, default=int(os.getenv("WEB_CONCURRENCY", "2")))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="serve the web app with the production WSGI server")
    p.add_argument("--bind", default=os.getenv("BIND", "127.0.0.1:8000"))
    p.add_argument("--workers", type=int, default=int(os.getenv("WEB_CONCURRENCY", "2")))
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run a background worker")
    p.add_argument("--threads", type=int, default=int(os.getenv("WORKER_THREADS", "2")))
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("seed", help="seed a deterministic multi-country demo book")
    p.add_argument("--accounts", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("import", help="import placements, payments or a bank statement from a file")
    p.add_argument("kind", choices=["placements", "payments", "statement"])
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("apikey", help="create, list, rotate and revoke creditors' API keys", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_apikey)

    p = sub.add_parser("bench", help="run a benchmark scenario from bench/")
    p.add_argument("name", nargs="?")
    p.add_argument("--list", action="store_true")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("manage", help="Django management commands", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
