"""Label Studio: the labeling config, records <-> tasks and exports, and the thin network client."""
