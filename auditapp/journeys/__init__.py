"""Service paths: journeys, stages, touchpoints, expectations and personas."""
