"""The crowd simulator: simulated annotators with known habits, driven through the REST API.

A plain package, not a Django app (no models). Pure parts: `profiles` (how each kind of
annotator answers), `truth` (the known PII of each snippet), `report` (scores against the
truth) and `svg` (the sweep's plot). Parts with I/O: `client` (a small keep-alive HTTP
client), `scenario` (sets up a project through the API), `crowd` (runs the annotators in
threads), `server` (a local server and Celery worker), `run` (one simulation) and `sweep`.
"""
