"""Engine events: a bounded, persisted journal with live subscribers."""
