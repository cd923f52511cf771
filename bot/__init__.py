"""metbot core: domain rules, settings, wiring and the CLI."""
