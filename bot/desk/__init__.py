"""The support desk's pure parts: opening hours, figures, the customer's card."""
