"""Whole-file sentiment jobs: the logic of the two job functions.

- :mod:`.files`: analyse a file as a stream (also the command line's ``analyse-file``), in the
  formats of :mod:`.formats`.
- :mod:`.runner`: run a job (analyse an uploaded file into results and a summary).
- :mod:`.service`: the jobs API's logic (create a job, its status and the timeout rule, who may
  see it); :mod:`.routes` and :mod:`.app` its Powertools routing, :mod:`.models` its bodies.
- :mod:`.storage`: the job bucket's layout and :class:`~.storage.JobStore`, the one way to S3.
- :mod:`.settings`, :mod:`.tracing`, :mod:`.timestamps`: the jobs' settings, Tracer and times.
"""
