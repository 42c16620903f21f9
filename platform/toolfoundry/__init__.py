"""toolfoundry: teach language models to find and call tools (ToolGen + GenTool) on Ray."""

import os

# Hugging Face's weight-loading bars are one redrawn line on a terminal and hundreds of lines in a
# job's log; toolfoundry prints what it loads instead. A user who wants them sets the variable to 0.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

__version__ = "0.1.0"
