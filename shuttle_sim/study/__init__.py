"""The study layer: designs, costs, targets and searches over scenario variants."""
