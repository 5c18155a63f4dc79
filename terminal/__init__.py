"""The terminal front end: ``chainrule try`` walks a review session on stdin/stdout.

Like the Discord adapter it only calls quizzes.study and formats what comes back
(terminal.session runs the loop, terminal.formatting renders plain text,
terminal.console opens the database and wires stdin).  A terminal learner has a
negative id (see :func:`terminal.console.terminal_learner_id`), so it never
collides with a Discord user, whose ids are positive snowflakes.
"""
