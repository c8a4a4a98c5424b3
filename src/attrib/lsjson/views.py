"""The Data Manager view attrib gives a new project: Label Studio's own default, plus the drafts' score.

Label Studio hides the "Prediction score" column by default, and a project without a saved view gets
that default in the browser. A lead who wants the least confident drafts first must find the column
first; attrib saves the project's default view with it shown, so it can be sorted at once. A view's
hidden columns are keys `<target>:<path>` (`tasks:predictions_score`, `tasks:data.record_id`), per
mode: `explore` (the task list) and `labeling` (the list beside the editor), built here from what
`/api/dm/columns` says each column's default is.
"""

from __future__ import annotations

SCORE = "tasks:predictions_score"  # the mean score of a task's predictions of the project's model version
MODES = ("explore", "labeling")


def column_key(column: dict) -> str:
    """The key a view uses for a column of `/api/dm/columns` (`data` children are `data.<name>`)."""
    path = f"{column['parent']}.{column['id']}" if column.get("parent") else column["id"]
    return f"{column.get('target', 'tasks')}:{path}"


def default_view(columns: list[dict], shown: tuple[str, ...] = (SCORE,)) -> dict:
    """The `data` of a view named "Default": the columns Label Studio hides by default hidden, but `shown`
    visible in the task list."""
    hidden: dict[str, list[str]] = {mode: [] for mode in MODES}
    for column in columns:
        defaults = column.get("visibility_defaults") or {}
        for mode in MODES:
            if defaults.get(mode) is False and not (mode == "explore" and column_key(column) in shown):
                hidden[mode].append(column_key(column))
    return {"title": "Default", "type": "list", "target": "tasks", "hiddenColumns": hidden, "ordering": [],
            "filters": {"conjunction": "and", "items": []}}
