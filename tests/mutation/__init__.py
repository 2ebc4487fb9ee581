"""The mutation suite (issue 14): generated mistakes prove the hidden checks. See ``suite``."""
