"""policytrack: commitments in Chinese government plans, tracked against reported progress."""

__version__ = "0.1.0"
