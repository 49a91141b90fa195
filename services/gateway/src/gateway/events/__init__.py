"""The de-identification projection: events from the producers, made fit for analytics."""
