"""Imports run in the task worker (``manage.py db_worker``), never in a
request: a large export takes minutes."""

from django.tasks import task

from . import jobs


@task
def check_import(job_id):
    jobs.check(job_id)


@task
def run_import(job_id):
    jobs.run(job_id)
