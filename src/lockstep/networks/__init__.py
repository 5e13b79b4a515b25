"""From significant edges to networks: the multiplex graph, Leiden clusters, scores, evidence."""
