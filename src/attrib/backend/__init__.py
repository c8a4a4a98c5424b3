"""`attrib backend`: a Label Studio ML backend that drafts tasks on demand and learns from what annotators submit.

models.py loads the served model and turns tasks into predictions (exactly what `push` imports);
store.py keeps the accepted annotations; learning.py turns annotation events into validated records and
runs training rounds (round.py, in a separate process); app.py is the HTTP side (Starlette), serve.py runs it
(uvicorn) and starts it as a process next to a local Label Studio.
"""
