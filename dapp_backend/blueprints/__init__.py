"""One blueprint per audience; each view parses the request, calls a service, answers JSON."""
