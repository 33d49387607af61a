"""An import started in the admin: checked by a dry run, then run, both in the
task worker, with the job row showing progress and the report."""

import contextlib
import shutil
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _

from .images import ImageSource
from .mapping import Mapping
from .models import WordPressImport
from .services import Importer

Status = WordPressImport.Status
PROGRESS_EVERY = 50  # posts between two writes of the progress


@contextlib.contextmanager
def _local_path(job):
    """A path to the export, copied to a temporary file when the storage
    keeps it elsewhere (object storage)."""
    storage = job.export.storage
    try:
        yield storage.path(job.export.name)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=".xml") as copy:
        with storage.open(job.export.name, "rb") as original:
            shutil.copyfileobj(original, copy)
        copy.flush()
        yield copy.name


def _progress(job):
    def progress(done, total):
        if done % PROGRESS_EVERY and done != total:
            return
        job.processed, job.total = done, total
        job.save(update_fields=["processed", "total"])

    return progress


def _importer(job, *, dry_run):
    hosts = job.image_hosts.split()
    return Importer(
        user=job.created_by,
        mapping=Mapping.parse(job.mapping),
        images=ImageSource(download=job.download_images, hosts=hosts),
        dry_run=dry_run,
        progress=_progress(job),
    )


def _run(job_id, *, dry_run, running, finished):
    job = WordPressImport.objects.select_related("created_by").get(pk=job_id)
    if job.status != running:
        return job  # already done, or cancelled: a second delivery does nothing
    job.started_at = timezone.now()
    job.processed = 0
    job.save(update_fields=["started_at", "processed"])
    try:
        if job.created_by is None:
            raise PermissionError(_("The publisher who uploaded it is gone."))
        with _local_path(job) as path:
            report = _importer(job, dry_run=dry_run).run(path)
    except Exception as error:  # noqa: BLE001 - recorded on the job, shown in the admin
        job.status = Status.FAILED
        job.error = str(error) or error.__class__.__name__
    else:
        setattr(job, "check_report" if dry_run else "report", report.as_dict())
        job.status = Status.FAILED if report.error and dry_run else finished
        job.error = report.error
    job.finished_at = timezone.now()
    job.save()
    return job


def check(job_id):
    return _run(job_id, dry_run=True, running=Status.CHECKING, finished=Status.CHECKED)


def run(job_id):
    return _run(job_id, dry_run=False, running=Status.IMPORTING, finished=Status.DONE)
