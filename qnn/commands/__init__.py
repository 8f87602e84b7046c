"""Sub-commands of the `qnn` CLI, one module each; `qnn.cli.COMMANDS` lists them."""
