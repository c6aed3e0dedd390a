"""Build, check and release the ketamine therapy evidence data package."""

__version__ = "0.1.0"
