"""`arrears import placements|payments FILE --creditor CODE --profile NAME [--mode ...] [--dry-run]`.

Validates the whole file, then (unless --dry-run) applies it; progress goes to stderr per chunk.
Exit status 0 when the file was applied (or, with --dry-run, is valid), 2 otherwise."""

import argparse
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from arrears.core.actors import SystemActor

SHOWN_ERRORS = 20
MODES = {"all-or-nothing": "all_or_nothing", "valid-only": "valid_only"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arrears import")
    parser.add_argument("kind", choices=["placements", "payments"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--creditor", required=True, help=_("the creditor's code"))
    parser.add_argument("--profile", required=True, help=_("the import profile's name"))
    parser.add_argument("--mode", choices=list(MODES), default="all-or-nothing")
    parser.add_argument("--dry-run", action="store_true", help=_("validate only; apply nothing"))
    return parser


def main(argv: list[str], out=None, err=None) -> int:
    from arrears.imports import services
    from arrears.imports.models import ImportProfile, ImportRowError
    from arrears.portfolio.models import Creditor

    out, err = out or sys.stdout, err or sys.stderr
    args = _parser().parse_args(argv)
    creditor = Creditor.objects.filter(code=args.creditor).first()
    if creditor is None:
        print(_("No creditor %(code)s.") % {"code": args.creditor}, file=err)
        return 2
    profile = ImportProfile.objects.filter(creditor=creditor, name=args.profile, kind=args.kind).first()
    if profile is None:
        print(_("%(creditor)s has no %(kind)s profile “%(name)s”.")
              % {"creditor": creditor.code, "kind": args.kind, "name": args.profile}, file=err)
        return 2
    if not args.file.is_file():
        print(_("No file %(path)s.") % {"path": args.file}, file=err)
        return 2
    actor = SystemActor("import", creditors=frozenset({creditor.pk}))

    def progress(batch):
        print(_("%(status)s: %(rows)s rows") % {"status": batch.get_status_display(), "rows": batch.progress},
              file=err, flush=True)

    try:
        batch = services.start_import(actor=actor, creditor=creditor, profile=profile, file_name=args.file.name,
                                      path=args.file, mode=MODES[args.mode], on_progress=progress)
        if batch.status == batch.Status.VALIDATED and not args.dry_run:
            batch = services.apply_import(actor=actor, batch=batch, on_progress=progress)
    except (ValidationError, PermissionDenied) as exc:
        print(" ".join(getattr(exc, "messages", [str(exc)])), file=err)
        return 2
    print(_("Batch #%(id)s %(file)s: %(status)s. Rows %(total)s, valid %(valid)s, invalid %(invalid)s, applied "
            "%(applied)s.") % {"id": batch.pk, "file": batch.file_name, "status": batch.get_status_display(),
                               "total": batch.total_rows, "valid": batch.valid_rows, "invalid": batch.invalid_rows,
                               "applied": batch.applied_rows}, file=out)
    if batch.message:
        print(batch.message, file=out)
    errors = ImportRowError.objects.filter(batch=batch).order_by("row", "id")
    for error in errors[:SHOWN_ERRORS]:
        print(_("row %(row)s, %(column)s: %(message)s")
              % {"row": error.row, "column": error.column or error.field or "-", "message": error.message}, file=err)
    if (more := errors.count() - SHOWN_ERRORS) > 0:
        print(_("… and %(count)s more row errors.") % {"count": more}, file=err)
    succeeded = batch.status == batch.Status.APPLIED or (
        args.dry_run and batch.status == batch.Status.VALIDATED and not batch.invalid_rows)
    return 0 if succeeded else 2
