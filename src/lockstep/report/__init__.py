"""Reports and exports for people and other tools: HTML/PDF report, GEXF, CSV."""
