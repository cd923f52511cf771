"""The Slack edge: Bolt listeners, Block Kit rendering, senders, the HTTP surface, OAuth, the stand-in."""
