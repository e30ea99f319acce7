"""`arrears apikey create|list|rotate|revoke`: creditors' API keys from the command line."""

import argparse
import datetime as dt
import sys

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrears.api.models import ApiKey, Scope
from arrears.api.services import create_api_key, revoke_api_key, rotate_api_key
from arrears.core.actors import SystemActor
from arrears.portfolio.models import Creditor

OPERATOR = SystemActor("cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arrears apikey")
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("create", help="create a key; the key is printed once")
    p.add_argument("--creditor", required=True, help="creditor code")
    p.add_argument("--scopes", required=True, help=f"comma-separated: {', '.join(Scope.values)}")
    p.add_argument("--name", default="integration")
    p.add_argument("--expires-days", type=int, default=None)
    p.add_argument("--rate-limit", type=int, default=1200, help="requests per minute")
    p = sub.add_parser("list", help="keys of a creditor (prefixes only)")
    p.add_argument("--creditor", required=True)
    p = sub.add_parser("rotate", help="a successor key; the old one works for --overlap-hours more")
    p.add_argument("prefix")
    p.add_argument("--overlap-hours", type=int, default=24)
    p = sub.add_parser("revoke", help="stop a key now")
    p.add_argument("prefix")
    p.add_argument("--reason", required=True)
    return parser


def main(argv) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.action == "create":
            creditor = Creditor.objects.filter(code=args.creditor).first()
            if creditor is None:
                print(_("No creditor with code %(code)s.") % {"code": args.creditor}, file=sys.stderr)
                return 2
            expires = timezone.now() + dt.timedelta(days=args.expires_days) if args.expires_days else None
            key, full = create_api_key(actor=OPERATOR, creditor=creditor, name=args.name,
                                       scopes=[s.strip() for s in args.scopes.split(",") if s.strip()],
                                       expires_at=expires, rate_limit_per_minute=args.rate_limit)
            print(full)
            print(_("Prefix %(prefix)s. Store the key now: it is not shown again.") % {"prefix": key.prefix},
                  file=sys.stderr)
        elif args.action == "list":
            for key in ApiKey.objects.filter(creditor__code=args.creditor).order_by("created_at"):
                state = _("usable") if key.usable() else _("revoked") if key.revoked_at else _("expired")
                print(f"{key.prefix}\t{key.name}\t{','.join(key.scopes)}\t{state}\t"
                      f"{key.expires_at.isoformat() if key.expires_at else '-'}")
        elif args.action == "rotate":
            new, full = rotate_api_key(actor=OPERATOR, key=ApiKey.objects.get(prefix=args.prefix),
                                       overlap=dt.timedelta(hours=args.overlap_hours))
            print(full)
            print(ngettext("New prefix %(new)s; %(old)s stops working in %(hours)d hour.",
                           "New prefix %(new)s; %(old)s stops working in %(hours)d hours.", args.overlap_hours)
                  % {"new": new.prefix, "old": args.prefix, "hours": args.overlap_hours}, file=sys.stderr)
        else:
            revoke_api_key(actor=OPERATOR, key=ApiKey.objects.get(prefix=args.prefix), reason=args.reason)
            print(_("Key %(prefix)s revoked.") % {"prefix": args.prefix}, file=sys.stderr)
    except ApiKey.DoesNotExist:
        print(_("No key with that prefix."), file=sys.stderr)
        return 2
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            print(f"{field}: {' '.join(messages)}", file=sys.stderr)
        return 2
    return 0
