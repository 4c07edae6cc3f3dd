"""Work of the reporting app done by the worker (`manage.py run_worker`, see mediation/tasks.py).

- `run_publication(publication_id)`: publish the edition a coordinator asked for (a Publication):
  the bilan computed once, its JSON, PDF and workbook, and for a whole region the public edition's
  files (reporting/editions.py, `execute_publication`). Too long for a request at a region's size."""

from django_tasks import task


@task()
def run_publication(publication_id):
    from .editions import execute_publication

    return execute_publication(publication_id)
