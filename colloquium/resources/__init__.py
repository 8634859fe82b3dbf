"""The cooperative's brochures: PDF files organisers upload and the resources page offers."""
