"""The edges, one package per platform: `slack/` and `teams/`.

Each maps its payloads to the core and renders the answers."""
