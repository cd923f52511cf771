"""The Slack edge: Bolt listeners and the Block Kit rendering of the core's results."""
