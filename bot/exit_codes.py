"""The ``chainrule`` command's exit codes, shared by its subcommands.

``doctor`` and ``decks validate`` answer a yes/no question instead: 0 when all
is well, 1 when something needs fixing (see bot.doctor and bot.deck_check).
"""

EXIT_OK = 0
EXIT_UNREACHABLE = 1  # Discord or the database cannot be reached
EXIT_CONFIG = 2  # a setting is missing or wrong; argparse uses 2 for usage errors too
EXIT_INTERRUPTED = 130  # Ctrl-C before serving began (the shell's convention for SIGINT)
