"""Imports in the background: the back office and the CLI follow a batch's progress as it runs."""

from django.tasks import task

from arrears.imports.models import ImportBatch
from arrears.imports.services import batch_actor, run_apply, validate_import


@task()
def validate_import_task(batch_id: int) -> str:
    """Validate every row of a batch (safe to run twice: row errors are written afresh)."""
    batch = ImportBatch.objects.select_related("profile", "creditor", "created_by").get(pk=batch_id)
    if batch.status == ImportBatch.Status.VALIDATING:
        validate_import(actor=batch_actor(batch), batch=batch)
    return batch.status


@task()
def apply_import_task(batch_id: int) -> str:
    """Apply a batch that apply_import set applying (running twice resumes: rows applied come back unchanged)."""
    batch = ImportBatch.objects.select_related("profile", "creditor", "created_by").get(pk=batch_id)
    if batch.status == ImportBatch.Status.APPLYING:
        run_apply(actor=batch_actor(batch), batch=batch)
    return batch.status
