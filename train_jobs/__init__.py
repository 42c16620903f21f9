"""Ray Train + DeepSpeed recipes: the staged ToolGen/GenTool fine-tuning."""
