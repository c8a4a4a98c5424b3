"""Label Studio: the labeling config, records <-> tasks and exports, pushing and pulling projects
through one thin network client, and a local server for people who have none (`attrib studio`)."""
