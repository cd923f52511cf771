"""The Microsoft Teams edge: the SDK bridge, Adaptive Card rendering, the app package, the stand-in."""
