"""Province-scale benchmark (issue 8): `python -m bench.run --scale 0.1 --db sqlite`."""
