"""Use cases that touch the database: load, call the core, persist, enqueue after commit."""
