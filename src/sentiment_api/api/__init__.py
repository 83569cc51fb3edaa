"""The sentiment API (``POST /analyse``, ``POST /analyse/batch``, ``GET /``, the docs): its logic
(:mod:`.service`), request and response models (:mod:`.models`), routes (:mod:`.routes`, a
Powertools ``Router``), OpenAPI document and docs page (:mod:`.docs`), and the resolver that
assembles them (:mod:`.app`), which the entry point imports on first use."""
