"""Label Studio servers: the one network client (client.py), which server a command uses (connect.py),
project operations (projects.py: push, review, pull) and a local server for people who have none
(server.py, studio.py: `attrib studio`). The JSON they exchange is attrib.lsjson's.

Importing the package is cheap: nothing here loads label_studio_sdk until a module that talks to a
server is imported.
"""

BATCH = 1000  # tasks per import request
