"""One module per `acucare` subcommand: `add_arguments(parser)` and `run(args)`."""
