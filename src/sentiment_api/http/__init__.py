"""What both HTTP functions share: proxy events and responses (:mod:`.proxy`), CORS
(:mod:`.cors`), the error table (:mod:`.errors`), the Powertools exception handlers
(:mod:`.exception_handlers`) and the error body's model (:mod:`.models`)."""
