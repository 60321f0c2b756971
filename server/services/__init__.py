"""Use cases: each public function is one unit of work over the domain, the database and the adapters."""
