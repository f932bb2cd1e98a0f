"""fncall_data: tools, tool-call extraction and validation, records."""
