"""Pure-Python challenge knowledge: entities, units, value strings and the metric (no torch import)."""
