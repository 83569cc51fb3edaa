"""Whole-file sentiment jobs: the logic of the two job functions.

- :mod:`.settings`: the jobs' deployment settings, read once (:func:`~.settings.get_job_settings`).
- :mod:`.service`: the jobs API's logic (create a job, its status and the timeout rule, who
  may see it); light: no TextBlob.
- :mod:`.runner`: run a job (analyse an uploaded file into results and a summary).
- :mod:`.tracing`: the Powertools Tracer of the two job functions.

S3 is reached only through :class:`sentiment_api.storage.JobStore`; the handlers parse, call and
answer.
"""
