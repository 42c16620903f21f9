"""toolfoundry: teach language models to find and call tools (ToolGen + GenTool) on Ray."""

__version__ = "0.1.0"
