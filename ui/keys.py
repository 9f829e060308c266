"""session_state keys that more than one page reads or writes."""

DRAWING_KEY = "draw.latest"  # the Draw page's last drawing (core.models.drawing.Preprocessed), which Inside can open
INSIDE_SOURCE_KEY = "inside.source_request"  # which digit Inside opens next ("test", "drawing"), set by other pages
DATA_DIR_KEY = "data_dir"  # session_state key of the data root typed on the home page
