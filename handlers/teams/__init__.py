"""The Microsoft Teams edge."""
