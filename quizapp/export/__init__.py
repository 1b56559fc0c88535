"""Export question banks to other formats."""
