"""File imports of placements and payments: a file is validated whole, then applied in chunks.

The guarantee, stated honestly. Nothing is applied before every row of the file has been read and
validated; row errors are stored with their row and column. "All or nothing" then applies only a
file with no invalid row (otherwise the batch is rejected with its report and nothing is written);
"valid rows only" applies the valid rows and reports the rest. The apply itself runs in chunks of
1,000 rows, each chunk its own transaction: a million rows are not held in one transaction. If the
book changes between validation and apply so that a row of an all-or-nothing import fails, that
chunk is rolled back whole, the chunks before it stay applied, and the batch is marked failed with
the row, the count applied and the errors; applying it again resumes safely, because placements are
upserts and payments are posted once per id (rows applied before come back unchanged).
"""

import hashlib
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import SystemActor, authorize
from arrears.core.audit import record
from arrears.imports import columns as cols
from arrears.imports.models import ImportBatch, ImportKind, ImportProfile, ImportRowError
from arrears.imports.readers import FileFormat, read_rows
from arrears.portfolio.models import Creditor, Portfolio
from arrears.portfolio.placements import upsert_placements, validate_placements

CHUNK = 1000
Status, Mode = ImportBatch.Status, ImportBatch.Mode
# A batch in one of these wrote nothing that a new import of the same file would repeat unsafely.
RETRYABLE = (Status.REJECTED, Status.FAILED)


def imports_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def action_for(kind: str) -> str:
    return roles.PLACE_ACCOUNTS if kind == ImportKind.PLACEMENTS else roles.POST_PAYMENTS


def batch_actor(batch: ImportBatch):
    """Who a background task acts as: the person who started the import, else the import itself."""
    return batch.created_by or SystemActor("import", creditors=frozenset({batch.creditor_id}))


def _store(content: bytes | None, path) -> tuple[str, str, int]:
    """Copy the file into the imports directory block by block, hashing as it goes."""
    directory = imports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    digest, size = hashlib.sha256(), 0
    source = open(path, "rb") if path is not None else None  # noqa: SIM115 - closed below
    try:
        with open(directory / name, "wb") as target:
            if source is None:
                digest.update(content)
                target.write(content)
                size = len(content)
            else:
                while block := source.read(1 << 20):
                    digest.update(block)
                    target.write(block)
                    size += len(block)
    finally:
        if source is not None:
            source.close()
    return name, digest.hexdigest(), size


PROFILE_FIELDS = ["name", "kind", "columns", "delimiter", "encoding", "decimal_separator", "date_format",
                  "default_portfolio_code", "payment_source"]


def clean_profile_values(values: dict) -> dict:
    """The mapping names only arrears fields of the profile's kind, each once."""
    known = cols.PLACEMENT_FIELDS if values.get("kind") == ImportKind.PLACEMENTS else cols.PAYMENT_FIELDS
    columns = values.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise ValidationError({"columns": _("The column mapping is an object from header names to field names.")})
    unknown = sorted(set(columns.values()) - set(known))
    if unknown:
        raise ValidationError({"columns": _("Not fields of this kind of import: %(names)s. Known: %(known)s.")
                               % {"names": ", ".join(unknown), "known": ", ".join(known)}})
    if len(set(columns.values())) != len(columns):
        raise ValidationError({"columns": _("Each field may be mapped from one column only.")})
    if "%" not in values.get("date_format", "%"):
        raise ValidationError({"date_format": _("A date format uses strftime codes such as %d/%m/%Y.")})
    return values


def save_profile(*, actor, creditor: Creditor, profile: ImportProfile | None = None, **values) -> ImportProfile:
    """Create a profile (`profile` None) or change one; audited."""
    authorize(actor, roles.MANAGE_CREDITORS, creditor.pk)
    before = {name: getattr(profile, name) for name in PROFILE_FIELDS} if profile else None
    merged = clean_profile_values({**(before or {}), **values})
    profile = profile or ImportProfile(creditor=creditor)
    for name, value in merged.items():
        setattr(profile, name, value)
    profile.full_clean()
    with transaction.atomic():
        profile.save()
        record(actor=actor, action="import_profile.saved", obj=profile, creditor_id=creditor.pk, before=before,
               after={name: getattr(profile, name) for name in PROFILE_FIELDS})
    return profile


def _already_imported(batch: ImportBatch) -> ValidationError:
    return ValidationError({"file": ValidationError(
        _("This file was already imported as batch #%(id)s (“%(name)s”, %(date)s, %(status)s).")
        % {"id": batch.pk, "name": batch.file_name, "date": batch.created_at.date().isoformat(),
           "status": batch.get_status_display()}, code="duplicate")})


def start_import(*, actor, creditor: Creditor, profile: ImportProfile, file_name: str, content: bytes | None = None,
                 path=None, mode: str = Mode.ALL_OR_NOTHING, portfolio: Portfolio | None = None,
                 background: bool = False, on_progress=None) -> ImportBatch:
    """Record the file and validate every row (in a task when `background`). Nothing is applied here.

    A file already imported for this creditor (same SHA-256) is refused, naming the earlier batch.
    A file that cannot be read at all leaves the batch failed, with the reason in its message.
    `portfolio` (placements): where rows that name none go, instead of the profile's default.
    `on_progress(batch)` is called after each chunk (the CLI prints it)."""
    authorize(actor, action_for(profile.kind), creditor.pk)
    if profile.creditor_id != creditor.pk:
        raise ValidationError({"profile": _("Profile %(name)s belongs to another creditor.") % {"name": profile}})
    if portfolio is not None and (portfolio.creditor_id != creditor.pk or profile.kind != ImportKind.PLACEMENTS):
        raise ValidationError({"portfolio": _("Portfolio %(code)s is not one of %(creditor)s's that placements can "
                                              "go into.") % {"code": portfolio.code, "creditor": creditor.code}})
    if mode not in Mode.values:
        raise ValidationError({"mode": _("“%(value)s” is not an apply mode.") % {"value": mode}})
    if (content is None) == (path is None):
        raise ValueError("give the file's content or its path, not both")
    stored, sha, size = _store(content, path)
    earlier = (ImportBatch.objects.filter(creditor=creditor, sha256=sha).exclude(status__in=RETRYABLE)
               .order_by("pk").first())
    if earlier is not None:
        (imports_dir() / stored).unlink(missing_ok=True)
        raise _already_imported(earlier)
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                creditor=creditor, kind=profile.kind, profile=profile, portfolio=portfolio,
                file_name=Path(file_name).name[:255], stored_name=stored, sha256=sha, size=size, mode=mode,
                created_by=actor if getattr(actor, "pk", None) else None)
            record(actor=actor, action="import.started", obj=batch, creditor_id=creditor.pk,
                   after={"file_name": batch.file_name, "sha256": sha, "size": size, "kind": batch.kind,
                          "profile": profile.name, "mode": mode,
                          **({"portfolio": portfolio.code} if portfolio else {})})
    except IntegrityError:
        (imports_dir() / stored).unlink(missing_ok=True)
        raise _already_imported(ImportBatch.objects.filter(creditor=creditor, sha256=sha)
                                .exclude(status__in=RETRYABLE).first()) from None
    if background:
        from arrears.imports.tasks import validate_import_task

        transaction.on_commit(lambda: validate_import_task.enqueue(batch.pk))
        return batch
    return validate_import(actor=actor, batch=batch, on_progress=on_progress)


def _save(batch: ImportBatch, **values) -> None:
    """Counts and progress are written at once (outside any chunk's transaction) for the back office."""
    for name, value in values.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**values)


def _chunks(batch: ImportBatch):
    """The file's rows mapped through the profile, CHUNK at a time."""
    profile = batch.profile
    options = cols.Options(profile.decimal_separator, profile.date_format)
    rows = read_rows(imports_dir() / batch.stored_name, batch.file_name,
                     FileFormat(profile.delimiter, profile.encoding), list(profile.columns))
    portfolios = ({p.code: p for p in Portfolio.objects.filter(creditor_id=batch.creditor_id)}
                  if batch.kind == ImportKind.PLACEMENTS else {})
    by_id = {p.pk: p for p in portfolios.values()}
    default_code = by_id[batch.portfolio_id].code if batch.portfolio_id in by_id else profile.default_portfolio_code
    chunk = []
    for number, raw in rows:
        if batch.kind == ImportKind.PLACEMENTS:
            chunk.append(cols.map_placement(number, raw, profile.columns, options, default_code, portfolios))
        else:
            chunk.append(cols.map_payment(number, raw, profile.columns, options))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _add_errors(mapped: cols.MappedRow, path_errors: dict[str, list[str]]) -> None:
    """Errors found by a service, keyed by its paths, added to the row under the file's field names."""
    for path, messages in path_errors.items():
        name = cols.field_of(path, mapped.sources)
        if name in mapped.errors and path_errors is not mapped.errors:
            continue  # the value could not even be read; that message says more
        mapped.errors.setdefault(name, []).extend(messages)


def _store_errors(batch: ImportBatch, chunk, during_apply: bool = False) -> None:
    header_of = {name: header for header, name in batch.profile.columns.items()}
    ImportRowError.objects.bulk_create([
        ImportRowError(batch=batch, row=m.number, column=header_of.get(name, "")[:200], field=name[:200],
                       message=message, during_apply=during_apply)
        for m in chunk for name, messages in m.errors.items() for message in messages
    ], batch_size=CHUNK)


def validate_import(*, actor, batch: ImportBatch, on_progress=None) -> ImportBatch:
    """Read and check every row; store row errors; apply nothing. Safe to run again."""
    from arrears.imports.payments import check_payments

    authorize(actor, action_for(batch.kind), batch.creditor_id)
    batch.row_errors.all().delete()
    _save(batch, status=Status.VALIDATING, progress=0, total_rows=0, message="")
    seen = _SeenReferences()
    try:
        for chunk in _chunks(batch):
            if batch.kind == ImportKind.PLACEMENTS:
                checked = validate_placements(creditor=batch.creditor, placements=[m.values for m in chunk])
                for mapped, errors in zip(chunk, checked, strict=True):
                    _add_errors(mapped, errors)
                    seen.add(mapped.values.account.creditor_reference)
            else:
                check_payments(batch, chunk)
            _store_errors(batch, chunk)
            _save(batch, progress=batch.progress + len(chunk), total_rows=batch.total_rows + len(chunk))
            if on_progress:
                on_progress(batch)
        if seen.suspects:
            _report_repeated_references(batch, seen.suspects)
    except ValidationError as exc:
        _save(batch, status=Status.FAILED, message=" ".join(exc.messages))
        record(actor=actor, action="import.failed", obj=batch, creditor_id=batch.creditor_id,
               after={"message": batch.message})
        return batch
    invalid = ImportRowError.objects.filter(batch=batch).values("row").distinct().count()
    _save(batch, status=Status.VALIDATED, invalid_rows=invalid, valid_rows=batch.total_rows - invalid,
          validated_at=timezone.now())
    record(actor=actor, action="import.validated", obj=batch, creditor_id=batch.creditor_id,
           after={"rows": batch.total_rows, "invalid_rows": invalid})
    return batch


class _SeenReferences:
    """References repeated anywhere in a file, found in constant memory (16 MiB whatever the file's size):
    one bit per hash slot marks a reference seen; one landing on a marked slot is a suspect, and only
    suspects are counted exactly, in a second reading of the file."""

    SLOTS = 1 << 27

    def __init__(self):
        self.bits = bytearray(self.SLOTS // 8)
        self.suspects: set[str] = set()

    def add(self, reference: str) -> None:
        if not reference:
            return
        slot = int.from_bytes(hashlib.blake2b(reference.encode(), digest_size=8).digest()) % self.SLOTS
        byte, bit = divmod(slot, 8)
        if self.bits[byte] >> bit & 1:
            self.suspects.add(reference)
        else:
            self.bits[byte] |= 1 << bit


def _report_repeated_references(batch: ImportBatch, suspects: set[str]) -> None:
    rows = defaultdict(list)
    for chunk in _chunks(batch):
        for mapped in chunk:
            if (reference := mapped.values.account.creditor_reference) in suspects:
                rows[reference].append(mapped.number)
    flagged = set(ImportRowError.objects.filter(batch=batch, field="creditor_reference").values_list("row", flat=True))
    repeated = []
    for reference, numbers in rows.items():
        if len(numbers) < 2:
            continue  # a hash collision, not a repeat
        shown = ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")
        message = (_("Account %(ref)s appears %(count)s times in this file (rows %(rows)s); each account once.")
                   % {"ref": reference, "count": len(numbers), "rows": shown})
        repeated += [cols.MappedRow(n, errors={"creditor_reference": [message]}) for n in numbers if n not in flagged]
    _store_errors(batch, repeated)


def apply_import(*, actor, batch: ImportBatch, mode: str | None = None, background: bool = False,
                 on_progress=None) -> ImportBatch:
    """Apply a validated batch (see the module's docstring for what all-or-nothing guarantees).

    All or nothing: refused (status rejected, nothing written) if any row is invalid. Valid rows
    only: the valid rows are applied; a rejected batch may be applied this way afterwards. A failed
    apply may be run again and resumes."""
    authorize(actor, action_for(batch.kind), batch.creditor_id)
    mode = mode or batch.mode
    if mode not in Mode.values:
        raise ValidationError({"mode": _("“%(value)s” is not an apply mode.") % {"value": mode}})
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        allowed = {Status.VALIDATED, Status.FAILED} if locked.validated_at else set()
        if mode == Mode.VALID_ONLY:
            allowed |= {Status.REJECTED} if locked.validated_at else set()
        if locked.status not in allowed:
            raise ValidationError(_("Batch #%(id)s is %(status)s; it cannot be applied now.")
                                  % {"id": locked.pk, "status": locked.get_status_display()}, code="status")
        if mode == Mode.ALL_OR_NOTHING and locked.invalid_rows:
            locked.status, locked.mode = Status.REJECTED, mode
            locked.message = (_("Rejected: %(invalid)s of %(total)s rows are invalid, and all or nothing applies "
                                "only a file without errors. Nothing was applied.")
                              % {"invalid": locked.invalid_rows, "total": locked.total_rows})
            locked.save(update_fields=["status", "mode", "message"])
            record(actor=actor, action="import.rejected", obj=locked, creditor_id=locked.creditor_id,
                   after={"invalid_rows": locked.invalid_rows})
            return locked
        locked.status, locked.mode, locked.progress, locked.message = Status.APPLYING, mode, 0, ""
        locked.save(update_fields=["status", "mode", "progress", "message"])
        locked.row_errors.filter(during_apply=True).delete()  # a resumed apply reports afresh
    if background:
        from arrears.imports.tasks import apply_import_task

        transaction.on_commit(lambda: apply_import_task.enqueue(locked.pk))
        return locked
    return run_apply(actor=actor, batch=locked, on_progress=on_progress)


def run_apply(*, actor, batch: ImportBatch, on_progress=None) -> ImportBatch:
    """The chunked apply of a batch in status applying (called directly or by the task)."""
    from arrears.imports.payments import apply_payments

    all_or_nothing = batch.mode == Mode.ALL_OR_NOTHING
    tally, applied, failed_row = Counter(), 0, None
    _save(batch, applied_rows=0, progress=0)
    try:
        for chunk in _chunks(batch):
            invalid = set(ImportRowError.objects.filter(batch=batch, row__gte=chunk[0].number,
                                                        row__lte=chunk[-1].number).values_list("row", flat=True))
            todo = [m for m in chunk if m.number not in invalid and not m.errors]
            if batch.kind == ImportKind.PLACEMENTS:
                done = _apply_placements(actor, batch, todo, all_or_nothing, tally)
            else:
                done = apply_payments(actor, batch, todo, all_or_nothing, tally)
            failed = [m for m in todo if m.errors]
            _store_errors(batch, failed, during_apply=True)
            applied += done
            _save(batch, progress=batch.progress + len(chunk), applied_rows=applied)
            if on_progress:
                on_progress(batch)
            if failed and all_or_nothing:
                failed_row = failed[0].number
                break
    except ValidationError as exc:
        _save(batch, status=Status.FAILED, message=" ".join(exc.messages))
        return batch
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(tally.items()))
    if failed_row is not None:
        _save(batch, status=Status.FAILED, message=_(
            "Stopped at row %(row)s, which no longer passes (the book changed after validation); that chunk was "
            "rolled back and %(applied)s rows applied before it stay applied. Fix the cause and apply again: "
            "rows already applied are not applied twice.") % {"row": failed_row, "applied": applied})
    else:
        _save(batch, status=Status.APPLIED, applied_at=timezone.now(), message=summary)
    record(actor=actor, action="import.applied" if failed_row is None else "import.failed", obj=batch,
           creditor_id=batch.creditor_id, after={"applied_rows": applied, "summary": dict(tally)})
    return batch


def _apply_placements(actor, batch, todo, all_or_nothing, tally) -> int:
    if not todo:
        return 0
    results = upsert_placements(actor=actor, creditor=batch.creditor, placements=[m.values for m in todo],
                                all_or_nothing=all_or_nothing)
    for mapped, result in zip(todo, results, strict=True):
        _add_errors(mapped, result.errors)
        if result.errors:
            continue
        tally["placed" if result.created else "updated" if result.changed else "unchanged"] += 1
    return sum(1 for r in results if not r.errors and r.account is not None)

