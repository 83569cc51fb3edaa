"""The benchmark: ``make bench``. Prints a table and writes every figure to a JSON file.

It measures the function against two baselines built here, on the same base image, in the same
run, alternating between them so that a slow spell of the machine hits all three alike:

- **floor**: an empty handler (the runtime's own start-up);
- **bare**: the tutorial's handler, ``TextBlob(text).sentiment`` + ``json.dumps``.

It asserts nothing about time; the targets are compared in the README. Every request goes to
containers started here, on 127.0.0.1, with bounded counts and time-outs.

One module per section of what it prints, each on :mod:`.common` alone:

- :mod:`.image`: the image's size against the same build without the encoder and the
  language identifier (their packages and artefacts);
- :mod:`.startup`: init (the handler's import) and the cold first response, ours also with
  each engine as the deployment's default and with the language check off;
- :mod:`.latency`: warm latency in process and through the emulator, the worst cases at the
  cap, the analysis engines compared in process (each length, and batches at the cap), and
  the language identifier's own cost;
- :mod:`.files`: batch throughput, and whole files through the CLI and the job handler;
- :mod:`.jobrate`: the job's input rate (bytes/s) per engine on common and costliest lines,
  in a subprocess on one CPU (the evidence for the job's size guard);
- :mod:`.fanout`: a job fanned out over the jobs' state machine (executed by moto's
  interpreter, in a subprocess, no Docker) against the single-function path on the same file,
  the orchestration's overhead per range, the modelled wall time of 1, 5 and 50 GB by map
  concurrency, and the cost per million documents of each path;
- :mod:`.memory`: resident memory (per deployment setting, and at its peak through batches
  at the cap per engine), and latency at each memory size;
- :mod:`.cost`: US dollars per million analyses, and per engine at the template's MemorySize;

then :mod:`.report` (the tables) and :mod:`.__main__` (the arguments and the order of the
sections). ``job.py``, ``rss.py``, ``sizes.py`` and ``baselines/`` are not imported here: they
run inside the containers (this folder is mounted at ``/bench``; ``baselines/`` is a Docker
build context).

Usage, from the repository's root: ``python -m tools.bench [--runs N] [--out .bench]
[--file-lines 100000,1000000] [--file-formats txt,csv] [--fanout-lines 60000] [--files-only]``
(``make bench`` builds first). The fan-out section alone, without Docker: ``python -m
tools.bench.fanout [--lines N] [--out FILE]``.
"""

import os

FUNCTION_ENV = {
    "POWERTOOLS_SERVICE_NAME": "sentiment-api",
    "POWERTOOLS_METRICS_NAMESPACE": "SentimentApi",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "MAX_TEXT_LENGTH": "5000",
}
"""The function's environment, as the template sets it. Set here, when the package is imported,
so that it is in place before any of its modules imports the handler (Powertools reads it
then); the containers get it too (:func:`.common.run_flags`)."""
os.environ.update(FUNCTION_ENV)
