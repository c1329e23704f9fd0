"""The answer engine: what a customer's message asks (intent, article, mail program), learned from the
knowledge base. ``engine`` reads a message; ``features``, ``model`` and ``training`` are the learned
linear models and how they are trained (in a child process, so the bot never loads scikit-learn);
``clients`` finds the mail program named; ``baseline`` and ``quality`` measure it against plain methods."""
